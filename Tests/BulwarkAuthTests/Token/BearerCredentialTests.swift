import BulwarkAuth
import Testing

@Suite("Bearer credential", .timeLimit(.minutes(1)))
struct BearerCredentialTests {
    enum Expected: Sendable, CustomStringConvertible {
        case absent
        case token(String)
        case malformed

        var description: String {
            switch self {
            case .absent: "absent"
            case .token(let token): "token(\(token))"
            case .malformed: "malformed"
            }
        }
    }

    @Test("parsing", arguments: [
        ([], Expected.absent),
        (["Basic dXNlcjpwYXNz"], .absent),
        (["Digest username=\"a\""], .absent),
        (["Bearerabc"], .absent),
        (["Bearer abc.def.ghi"], .token("abc.def.ghi")),
        (["bearer abc"], .token("abc")),
        (["BEARER abc"], .token("abc")),
        (["  Bearer   abc  "], .token("abc")),
        (["Bearer\tabc"], .token("abc")),
        (["Bearer a-b_c~d+e/f=="], .token("a-b_c~d+e/f==")),
        (["Bearer ===="], .malformed),
        (["Bearer abc=d"], .malformed),
        (["Bearer"], .malformed),
        (["Bearer "], .malformed),
        (["Bearer \t "], .malformed),
        (["Bearer a b"], .malformed),
        (["Bearer a,b"], .malformed),
        (["Bearer \"abc\""], .malformed),
        (["Bearer abc\u{00e9}"], .malformed),
        (["Bearer abc\r\nX-Evil: 1"], .malformed),
        ([""], .malformed),
        (["   "], .malformed),
        (["Bearer abc", "Bearer abc"], .malformed),
        (["Basic dXNlcjpwYXNz", "Bearer abc"], .malformed),
    ] as [([String], Expected)])
    func parsing(values: [String], expected: Expected) {
        let result = BearerCredential.parse(authorizationValues: values)
        switch (result, expected) {
        case (.absent, .absent): break
        case (.token(let token), .token(let text)): #expect(token == text[...])
        case (.malformed(let failure), .malformed):
            #expect(failure.reason == .malformed)
            #expect(!failure.detail.contains("abc"))
        default: Issue.record("\(values): \(result), expected \(expected)")
        }
    }
}
