import BulwarkConfig
import Foundation
import Testing

/// Key rotation as an identity provider does it: a new key appears in the JWKS (file or URL) before tokens
/// signed with it, the old one is dropped later. Through a real gateway and real files and sockets.
@Suite("Auth live: key rotation", .timeLimit(.minutes(2)))
struct AuthKeyRotationLiveTests {
    static func yaml(keys: String, upstream: Int) -> String {
        """
        auth:
          jwt:
            issuers:
              - issuer: \(TokenMint.issuer)
                audiences: [api]
                \(keys)
            forward_claims: { X-User-Id: sub }
        upstreams:
          app: { targets: ["http://127.0.0.1:\(upstream)"] }
        routes:
          - { path_prefix: /api, upstream: app, auth: required }
        """
    }

    @Test("jwks_file: a new key written to the file is used within seconds, a removed one is refused, a broken file keeps the keys in force")
    func fileRotation() async throws {
        let scratch = try ScratchDirectory()
        let file = scratch.file("jwks.json")
        let old = TokenMint.rsa(kid: "2026-01")
        let new = TokenMint.p256(kid: "2026-02")
        try writeAtomically(TokenMint.jwks([old]), to: file)
        let app = try await AuthUpstream.start()
        defer { Task { await app.stop() } }
        try await GatewayHarness.with(yaml: Self.yaml(keys: "jwks_file: \(file.path)", upstream: app.port)) { gateway async throws in
            let oldToken = TokenMint.token(TokenMint.claims(), old)
            let newToken = TokenMint.token(TokenMint.claims(), new)
            #expect(try await gateway.get("/api/a", headers: [bearer(oldToken)]).status == 200)
            expectUnauthorized(try await gateway.get("/api/a", headers: [bearer(newToken)]), reason: "unknown_key", token: newToken)

            // The provider publishes the new key next to the old one.
            try writeAtomically(TokenMint.jwks([old, new]), to: file)
            let adopted = try await eventually(within: .seconds(5)) {
                try await gateway.get("/api/a", headers: [bearer(newToken)]).status == 200
            }
            #expect(adopted, "the new key in the rewritten JWKS file was never used")
            #expect(try await gateway.get("/api/a", headers: [bearer(oldToken)]).status == 200)

            // A half-written file is not a key set: the keys in force stay.
            try "{\"keys\":[{\"kty\":\"RS".write(to: file, atomically: false, encoding: .utf8)
            try await Task.sleep(for: .milliseconds(2500))  // more than two polls of the file
            #expect(try await gateway.get("/api/a", headers: [bearer(oldToken)]).status == 200)
            #expect(try await gateway.get("/api/a", headers: [bearer(newToken)]).status == 200)

            // The old key is retired.
            try writeAtomically(TokenMint.jwks([new]), to: file)
            let retired = try await eventually(within: .seconds(5)) {
                try await gateway.get("/api/a", headers: [bearer(oldToken)]).status == 401
            }
            #expect(retired, "a token of the removed key still passes")
            let refused = try await gateway.get("/api/a", headers: [bearer(oldToken)])
            expectUnauthorized(refused, reason: "unknown_key", token: oldToken)
            #expect(try await gateway.get("/api/a", headers: [bearer(newToken)]).status == 200)
        }
    }

    @Test("jwks_file: a reload pointing at another file switches keys; a reload to a missing file keeps the keys in force")
    func reloadSwitchesFiles() async throws {
        let scratch = try ScratchDirectory()
        let first = scratch.file("first.json")
        let second = scratch.file("second.json")
        let old = TokenMint.p256(kid: "a")
        let new = TokenMint.p256(kid: "b")
        try writeAtomically(TokenMint.jwks([old]), to: first)
        try writeAtomically(TokenMint.jwks([new]), to: second)
        let app = try await AuthUpstream.start()
        defer { Task { await app.stop() } }
        try await GatewayHarness.with(yaml: Self.yaml(keys: "jwks_file: \(first.path)", upstream: app.port)) { gateway async throws in
            let oldToken = TokenMint.token(TokenMint.claims(), old)
            let newToken = TokenMint.token(TokenMint.claims(), new)
            #expect(try await gateway.get("/api/a", headers: [bearer(oldToken)]).status == 200)

            var reloaded = try BulwarkConfiguration.parse(yaml: Self.yaml(keys: "jwks_file: \(second.path)", upstream: app.port))
            reloaded.server = gateway.gateway.configuration.server
            #expect(gateway.gateway.reload(reloaded).status == .applied)
            let switched = try await eventually(within: .seconds(5)) {
                try await gateway.get("/api/a", headers: [bearer(newToken)]).status == 200
            }
            #expect(switched)
            expectUnauthorized(try await gateway.get("/api/a", headers: [bearer(oldToken)]), reason: "unknown_key", token: oldToken)

            var missing = try BulwarkConfiguration.parse(yaml: Self.yaml(keys: "jwks_file: \(scratch.file("absent.json").path)", upstream: app.port))
            missing.server = gateway.gateway.configuration.server
            _ = gateway.gateway.reload(missing)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await gateway.get("/api/a", headers: [bearer(newToken)]).status == 200, "a reload to a missing JWKS file dropped the keys in force")
        }
    }

    @Test("jwks_url: a token with a new kid makes one fetch and passes at once; a POST body is kept while it waits; another unknown kid within the cooldown is refused without a fetch")
    func urlRotationOnUnknownKid() async throws {
        let old = TokenMint.rsa(kid: "k1")
        let new = TokenMint.p256(kid: "k2")
        let endpoint = try await JWKSEndpoint.start(document: TokenMint.jwks([old]))
        defer { Task { await endpoint.stop() } }
        let app = try await AuthUpstream.start()
        defer { Task { await app.stop() } }
        let keys = "jwks_url: \(endpoint.url)\n        jwks_refresh: 1h"
        try await GatewayHarness.with(yaml: Self.yaml(keys: keys, upstream: app.port)) { gateway async throws in
            let oldToken = TokenMint.token(TokenMint.claims(), old)
            #expect(try await gateway.get("/api/a", headers: [bearer(oldToken)]).status == 200)
            let fetchesAtStart = endpoint.requests
            #expect(fetchesAtStart >= 1)

            endpoint.serve(TokenMint.jwks([old, new]))
            let newToken = TokenMint.token(TokenMint.claims(subject: "rotated"), new)
            // Several requests at once with the new kid: all wait for the same single fetch.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<6 {
                    group.addTask {
                        try await RawHTTP.request("POST", "/api/upload/\(index)", port: gateway.port, headers: [bearer(newToken)], body: "payload-\(index)").status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 6), "\(statuses)")
            #expect(endpoint.requests == fetchesAtStart + 1, "one fetch for the new kid, got \(endpoint.requests - fetchesAtStart)")
            let uploads = app.all.filter { $0.method == "POST" }
            #expect(uploads.count == 6)
            let bodiesKept = uploads.allSatisfy { $0.bodyBytes == "payload-0".utf8.count }
            #expect(bodiesKept, "a body sent while the gateway fetched keys was lost: \(uploads.map(\.bodyBytes))")
            #expect(uploads.first?.values("X-User-Id") == ["rotated"])

            // A kid nobody publishes, right after: refused without hammering the identity provider.
            let stranger = TokenMint.token(TokenMint.claims(), TokenMint.p256(kid: "k3"))
            for _ in 0..<5 {
                expectUnauthorized(try await gateway.get("/api/a", headers: [bearer(stranger)]), reason: "unknown_key", token: stranger)
            }
            #expect(endpoint.requests == fetchesAtStart + 1, "unknown kids within the cooldown caused \(endpoint.requests - fetchesAtStart - 1) more fetches")
        }
    }
}

extension AuthKeyRotationLiveTests {
    @Test("jwks_url refreshed on its interval: a key dropped by the provider is refused within a few seconds; while the provider answers 500 the keys in force stay")
    func urlIntervalRefresh() async throws {
        let old = TokenMint.p256(kid: "old")
        let new = TokenMint.p256(kid: "new")
        let endpoint = try await JWKSEndpoint.start(document: TokenMint.jwks([old, new]))
        defer { Task { await endpoint.stop() } }
        let app = try await AuthUpstream.start()
        defer { Task { await app.stop() } }
        let keys = "jwks_url: \(endpoint.url)\n        jwks_refresh: 1s"
        try await GatewayHarness.with(yaml: Self.yaml(keys: keys, upstream: app.port)) { gateway async throws in
            let oldToken = TokenMint.token(TokenMint.claims(), old)
            let newToken = TokenMint.token(TokenMint.claims(), new)
            #expect(try await gateway.get("/api/a", headers: [bearer(oldToken)]).status == 200)

            // The provider is down for a while: tokens keep being verified with the keys in force.
            endpoint.fail(status: 500)
            let before = endpoint.requests
            let retried = try await eventually(within: .seconds(5)) { endpoint.requests >= before + 2 }
            #expect(retried, "the key set was not fetched again on its interval")
            #expect(try await gateway.get("/api/a", headers: [bearer(oldToken)]).status == 200)
            #expect(try await gateway.get("/api/a", headers: [bearer(newToken)]).status == 200)

            // Back, without the old key.
            endpoint.serve(TokenMint.jwks([new]))
            let dropped = try await eventually(within: .seconds(8)) {
                try await gateway.get("/api/a", headers: [bearer(oldToken)]).status == 401
            }
            #expect(dropped, "a key the provider dropped was still used")
            #expect(try await gateway.get("/api/a", headers: [bearer(newToken)]).status == 200)
        }
    }
}

/// `auth:` changed by a reload while the gateway runs.
@Suite("Auth live: reloads", .timeLimit(.minutes(1)))
struct AuthReloadLiveTests {
    @Test("a reload adds auth: to a gateway started without it (tokens verified, claim headers forwarded); a reload that drops an issuer refuses its tokens")
    func addAndDropByReload() async throws {
        let scratch = try ScratchDirectory()
        let first = TokenMint.p256(kid: "one")
        let second = TokenMint.p256(kid: "two")
        try writeAtomically(TokenMint.jwks([first]), to: scratch.file("one.json"))
        try writeAtomically(TokenMint.jwks([second]), to: scratch.file("two.json"))
        let app = try await AuthUpstream.start()
        defer { Task { await app.stop() } }
        let open = """
        upstreams:
          app: { targets: ["http://127.0.0.1:\(app.port)"] }
        routes:
          - { path_prefix: /api, upstream: app }
        """
        func secured(_ issuers: [(String, String)]) -> String {
            """
            auth:
              jwt:
                issuers:
            \(issuers.map { "      - { issuer: \"\($0.0)\", jwks_file: \"\(scratch.file($0.1).path)\" }" }.joined(separator: "\n"))
                forward_claims: { X-User-Id: sub }
            upstreams:
              app: { targets: ["http://127.0.0.1:\(app.port)"] }
            routes:
              - { path_prefix: /api, upstream: app, auth: required }
            """
        }
        try await GatewayHarness.with(yaml: open) { gateway async throws in
            #expect(try await gateway.get("/api/x", headers: [("X-User-Id", "admin")]).status == 200)
            #expect(app.last?.values("X-User-Id") == ["admin"], "without auth: the header is the app's business")

            func apply(_ yaml: String) throws -> String {
                var configuration = try BulwarkConfiguration.parse(yaml: yaml)
                configuration.server = gateway.gateway.configuration.server
                return "\(gateway.gateway.reload(configuration).status)"
            }
            let issuerA = "https://a.example.test"
            let issuerB = "https://b.example.test"
            #expect(try apply(secured([(issuerA, "one.json"), (issuerB, "two.json")])) == "applied")
            expectUnauthorized(try await gateway.get("/api/x", headers: [("X-User-Id", "admin")]), reason: "missing_token", token: nil, error: "invalid_request")
            let tokenA = TokenMint.token(["iss": issuerA, "sub": "from-a", "exp": TokenMint.now + 300], first)
            let tokenB = TokenMint.token(["iss": issuerB, "sub": "from-b", "exp": TokenMint.now + 300], second)
            let verified = try await eventually(within: .seconds(5)) {
                let a = try await gateway.get("/api/x", headers: [bearer(tokenA)]).status
                let b = try await gateway.get("/api/x", headers: [bearer(tokenB)]).status
                return a == 200 && b == 200
            }
            #expect(verified, "tokens were never accepted after the reload added auth:")
            _ = try await gateway.get("/api/x", headers: [bearer(tokenB), ("X-User-Id", "admin")])
            #expect(app.last?.values("X-User-Id") == ["from-b"])

            #expect(try apply(secured([(issuerA, "one.json")])) == "applied")
            let dropped = try await eventually(within: .seconds(5)) {
                try await gateway.get("/api/x", headers: [bearer(tokenB)]).status == 401
            }
            #expect(dropped, "a removed issuer's tokens still pass")
            expectUnauthorized(try await gateway.get("/api/x", headers: [bearer(tokenB)]), reason: "wrong_issuer", token: tokenB)
            #expect(try await gateway.get("/api/x", headers: [bearer(tokenA)]).status == 200)
        }
    }
}
