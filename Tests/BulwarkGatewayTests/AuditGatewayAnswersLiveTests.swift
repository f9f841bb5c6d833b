import BulwarkAudit
import BulwarkDemo
import Foundation
import Testing

/// Audited requests the gateway answers itself, and the actor taken from a verified token's claim.
@Suite("Audit: the gateway's own answers and claim actors", .timeLimit(.minutes(2)))
struct AuditGatewayAnswersLiveTests {
    static let secret = "audit-test-secret-0123456789abcdef"

    @Test("sync: a 502 on an audited route is held until its request record (no target, the gateway's status) is on disk, then completed")
    func gatewayAnswerRecorded() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "unused") }
        let recorder = TestAuditRecorder(mode: .held)
        let yaml = """
        upstreams:
          app: { targets: ["http://127.0.0.1:1"], retry: { attempts: 1 } }
          demo: { targets: ["http://127.0.0.1:PORT0"] }
        routes:
          - { name: orders, path_prefix: /orders, upstream: app }
        audit: {}
        """
        try await AuditGateway.with(yaml: yaml, upstream: app, recorder: recorder) { port in
            let connection = try await RawConnection(port: port)
            try await connection.send("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")
            #expect(try await eventually { recorder.heldCount == 1 })
            // The gateway's own answer waits for its record like a relayed one.
            try await Task.sleep(for: .milliseconds(300))
            #expect(connection.bytes.isEmpty)
            recorder.releaseHeld()
            let text = try await connection.wait { $0.contains("HTTP/1.1 502") }
            #expect(text.hasPrefix("HTTP/1.1 502"))
            await connection.close()
            #expect(try await eventually { recorder.entries.count == 2 })
            let request = try #require(recorder.entries.first { $0.kind == .request })
            let completed = try #require(recorder.entries.first { $0.kind == .completed })
            #expect(request.status == 502 && request.target == nil && request.route == "orders")
            #expect(completed.status == 502 && completed.outcome == "complete" && (completed.responseBytes ?? 0) > 0)
        }
    }

    @Test("actor: { claim: sub } records the verified token's subject; a refused token's 401 is recorded with no actor")
    func claimActor() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let recorder = TestAuditRecorder(mode: .immediate)
        let yaml = """
        auth:
          jwt:
            issuers:
              - { issuer: "\(TokenMint.issuer)", audiences: [api], secret: "\(Self.secret)" }
        upstreams:
          app: { targets: ["http://127.0.0.1:PORT0"] }
        routes:
          - { path_prefix: /api, upstream: app, auth: required }
        audit: { actor: { claim: sub } }
        """
        try await AuditGateway.with(yaml: yaml, upstream: app, recorder: recorder) { port in
            let token = TokenMint.token(TokenMint.claims(subject: "user-7"), TokenMint.secret(Array(Self.secret.utf8)))
            let allowed = try await RawHTTP.request("POST", "/api/orders", port: port, headers: [("Authorization", "Bearer \(token)")], body: "{}")
            #expect(allowed.status == 200)
            #expect(try await eventually { recorder.entries.count == 2 })
            let actors = recorder.entries.map(\.actor)
            #expect(actors == ["user-7", "user-7"])

            let refused = try await RawHTTP.request("POST", "/api/orders", port: port, body: "{}")
            #expect(refused.status == 401)
            #expect(try await eventually { recorder.entries.count == 4 })
            let last = Array(recorder.entries.suffix(2))
            #expect(last.map(\.status) == [401, 401] && last.map(\.actor) == [nil, nil])
        }
    }
}
