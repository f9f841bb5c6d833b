@testable import BulwarkGateway
import Testing

@Suite("Audit: captured request bodies")
struct AuditBodyCaptureTests {
    static func text(_ body: String, complete: Bool = true, type: String? = "application/json", redact: [String] = ["password", "token"]) -> String {
        AuditBodyCapture.text(of: Array(body.utf8), complete: complete, contentType: type, redact: redact)
    }

    @Test("a whole JSON body has the named fields masked at any depth, names compared without case")
    func json() {
        let masked = Self.text(#"{"user":"ann","Password":"hunter2","items":[{"TOKEN":"abc","n":1}],"db_password":"p","note":"reset"}"#)
        #expect(masked == #"{"db_password":"[REDACTED]","items":[{"n":1,"TOKEN":"[REDACTED]"}],"note":"reset","Password":"[REDACTED]","user":"ann"}"#)
        // A name left in a string value (JSON inside a string, free text) withholds the body.
        #expect(Self.text(#"{"data":"{\"password\":\"x\"}"}"#) == AuditBodyCapture.withheld)
        #expect(Self.text(#"{"note":"my password is hunter2"}"#) == AuditBodyCapture.withheld)
        #expect(Self.text(#"{"a":1}"#, type: "application/vnd.api+json; charset=utf-8") == #"{"a":1}"#)
        #expect(Self.text(#"{"pass\u0077ord":"x"}"#) == #"{"password":"[REDACTED]"}"#)
    }

    @Test("a whole urlencoded form has the named keys' values masked")
    func form() {
        let masked = Self.text("user=ann&password=hunter2&Token=t%20x&pass%77ord=y", type: "application/x-www-form-urlencoded")
        #expect(masked == "user=ann&password=[REDACTED]&Token=[REDACTED]&pass%77ord=[REDACTED]")
        let nested = Self.text("user[password]=x;password[]=y&a=1", type: "application/x-www-form-urlencoded")
        #expect(nested == "user[password]=[REDACTED]&password[]=[REDACTED]&a=1")
        #expect(Self.text("note=password%3Dx", type: "application/x-www-form-urlencoded") == AuditBodyCapture.withheld)
    }

    @Test("a cut or unknown body is kept only when no redacted name occurs in it")
    func otherBodies() {
        #expect(Self.text(#"{"user":"ann","password":"hun"#, complete: false) == AuditBodyCapture.withheld)
        #expect(Self.text(#"{"user":"ann","na"#, complete: false) == #"{"user":"ann","na"#)
        #expect(Self.text("PASSWORD=1", type: "text/plain") == AuditBodyCapture.withheld)
        #expect(Self.text("hello", type: "text/plain") == "hello")
        #expect(Self.text("not json, with a Token", type: "application/json") == AuditBodyCapture.withheld)
        #expect(Self.text("anything", redact: []) == "anything")
    }
}
