@testable import BulwarkOperations
import Foundation
import NIOHTTP1
import Testing

/// Which admin calls are audited actions, and what their records say (pure: from the request alone).
@Suite("Audit: admin actions")
struct AuditAdminActionTests {
    static func action(_ uri: String, body: String = "") -> AdminAction? {
        action(.POST, uri, body: body)
    }

    static func action(_ method: HTTPMethod, _ uri: String, body: String = "") -> AdminAction? {
        let request = AdminRequest(method: method, uri: uri, headers: [:], body: Array(body.utf8))
        return AdminAction(path: request.path, request: request)
    }

    @Test("every admin call that changes something is an action with its subject; reads are not")
    func names() {
        #expect(Self.action("/api/circuits/app/open") == AdminAction(name: "breaker.force_open", subject: "app"))
        #expect(Self.action("/api/circuits/app%2F127.0.0.1%3A3001/close") == AdminAction(name: "breaker.force_close", subject: "app/127.0.0.1:3001"))
        #expect(Self.action("/api/circuits/app/127.0.0.1:3001/reset") == AdminAction(name: "breaker.reset", subject: "app/127.0.0.1:3001"))
        #expect(Self.action("/api/alerts/a-12/resolve") == AdminAction(name: "alert.resolve", subject: "a-12"))
        #expect(Self.action("/api/processes/web/restart") == AdminAction(name: "process.restart", subject: "web"))
        #expect(Self.action("/api/config/reload") == AdminAction(name: "config.reload"))
        #expect(Self.action("/api/cache/purge", body: #"{"prefix": "/api/catalog", "host": "shop.test"}"#)
            == AdminAction(name: "cache.purge", subject: "/api/catalog", detail: ["prefix": "/api/catalog", "host": "shop.test"]))
        #expect(Self.action("/api/tokens/revoke", body: #"{"jti": "abc-1"}"#)?.name == "token.revoke")
        for (method, uri) in [(HTTPMethod.GET, "/api/circuits/app/open"), (.GET, "/api/audit"), (.POST, "/api/circuits/app/explode"), (.POST, "/api/nothing"), (.GET, "/api/config/reload")] {
            #expect(Self.action(method, uri) == nil, "\(method) \(uri)")
        }
    }

    @Test("a revoked token is named by its id, never by the token itself; a purged URL's query is masked")
    func noSecrets() throws {
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImp0aSI6InRvay03In0.c2lnbmF0dXJlLXNlY3JldA"
        let revoked = try #require(Self.action("/api/tokens/revoke", body: #"{"token": "Bearer \#(token)"}"#))
        #expect(revoked.subject == "jti:tok-7")
        let text = "\(revoked)"
        #expect(!text.contains("c2lnbmF0dXJlLXNlY3JldA"))
        #expect(!text.contains("eyJ"))
        let purge = try #require(Self.action("/api/cache/purge", body: #"{"url": "https://shop.test/item?api_key=hunter2"}"#))
        #expect(!"\(purge)".contains("hunter2"))
        let subject = try #require(Self.action("/api/tokens/revoke", body: #"{"iss": "https://id.test", "sub": "alice", "before": "2026-11-30T12:00:00Z"}"#))
        #expect(subject.subject == "alice")
        #expect(subject.detail?["issuer"] == "https://id.test")
    }
}
