import Foundation
import Testing

/// The same trust boundary over HTTP/2 (h2c, spoken by hand): each stream is verified on its own, and
/// forwarded-claim headers a client sends never reach the HTTP/1.1 upstream.
@Suite("Auth live: HTTP/2 streams", .timeLimit(.minutes(1)))
struct AuthHTTP2LiveTests {
    @Test("per stream: a token is verified, a missing one gets 401, and client copies of claim headers are removed on every route")
    func streams() async throws {
        let scratch = try ScratchDirectory()
        let key = TokenMint.p256(kid: "ec-1")
        let jwks = scratch.file("jwks.json")
        try writeAtomically(TokenMint.jwks([key]), to: jwks)
        let app = try await AuthUpstream.start()
        defer { Task { await app.stop() } }
        let yaml = """
        server:
          http2:
            h2c: true
        auth:
          jwt:
            issuers:
              - { issuer: "\(TokenMint.issuer)", audiences: [api], jwks_file: "\(jwks.path)" }
            forward_claims: { X-User-Id: sub }
        upstreams:
          app: { targets: ["http://127.0.0.1:\(app.port)"] }
        routes:
          - { path_prefix: /api, upstream: app, auth: required }
          - { path_prefix: /public, upstream: app, auth: optional }
          - { path_prefix: /open, upstream: app }
        """
        try await GatewayHarness.with(yaml: yaml) { gateway async throws in
            let token = TokenMint.token(TokenMint.claims(subject: "user-h2"), key)
            let spoof = [("x-user-id", "admin"), ("x_user_id", "root")]
            let requests: [(UInt32, String, [(String, String)])] = [
                (1, "/api/a", spoof + [("authorization", "Bearer \(token)")]),
                (3, "/api/b", spoof),
                (5, "/public/c", spoof),
                (7, "/open/d", spoof + [("authorization", "Bearer \(token)")]),
                (9, "/api/e", [("authorization", "Bearer \(token)"), ("authorization", "Bearer \(token)")]),
            ]
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            try await connection.send(requests.flatMap { RawHTTP2.headers(stream: $0.0, RawHTTP2.requestBlock(path: $0.1, $0.2), endStream: true) })
            await connection.wait { frames in frames.filter { $0.stream != 0 && $0.endStream }.count >= requests.count }
            let statuses = try connection.statuses()
            #expect(statuses[1] == 200)
            #expect(statuses[3] == 401)
            #expect(statuses[5] == 200)
            #expect(statuses[7] == 200)
            #expect(statuses[9] == 401, "two authorization fields on one stream")
            await connection.close()

            let byPath = Dictionary(app.all.map { ($0.uri, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byPath["/api/a"]?.values("X-User-Id", loose: true) == ["user-h2"])
            #expect(byPath["/public/c"]?.values("X-User-Id", loose: true) == [])
            #expect(byPath["/open/d"]?.values("X-User-Id", loose: true) == [])
            #expect(byPath["/api/b"] == nil)
            #expect(byPath["/api/e"] == nil)
        }
    }
}
