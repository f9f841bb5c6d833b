import BulwarkConfig
@testable import BulwarkGateway
import BulwarkTestSupport
import Foundation
import Testing

/// What a review of the auth change found, tried from the outside: a `deny` gateway serves valid tokens
/// from its first request, a path only claim-routed routes serve answers 401 to a request without a valid
/// token, a reload with a broken JWKS file is rejected, and the revocation policy needs a restart.
@Suite("Auth live: review findings", .timeLimit(.minutes(2)))
struct AuthReviewLiveTests {
    static func yaml(jwks: URL, app: Int, acme: Int, extra: String = "") -> String {
        """
        \(extra)
        auth:
          jwt:
            issuers:
              - { issuer: \(TokenMint.issuer), audiences: [api], jwks_file: \(jwks.path) }
        upstreams:
          app: { targets: ["http://127.0.0.1:\(app)"] }
          acme_app: { targets: ["http://127.0.0.1:\(acme)"] }
        routes:
          - { path_prefix: /tenant, claims: { tenant: acme }, upstream: acme_app, auth: required }
          - { path_prefix: /api, upstream: app, auth: required }
        """
    }

    /// A scratch directory holding a JWKS file with one P-256 key (kid `ec-1`); the directory lives as
    /// long as this value.
    struct KeyFile {
        let scratch: ScratchDirectory
        let key: MintKey
        let jwks: URL

        init() throws {
            scratch = try ScratchDirectory()
            key = TokenMint.p256(kid: "ec-1")
            jwks = scratch.file("jwks.json")
            try writeAtomically(TokenMint.jwks([key]), to: jwks)
        }
    }

    @Test("a path only claim-routed routes serve: 401 without a token or with a bad one, 404 for another tenant, 200 for the tenant")
    func claimsOnlyPath() async throws {
        let keyFile = try KeyFile()
        let (key, jwks) = (keyFile.key, keyFile.jwks)
        let app = try await AuthUpstream.start(name: "app")
        let acme = try await AuthUpstream.start(name: "acme")
        defer { Task { await app.stop(); await acme.stop() } }
        try await GatewayHarness.with(yaml: Self.yaml(jwks: jwks, app: app.port, acme: acme.port)) { gateway async throws in
            expectUnauthorized(try await gateway.get("/tenant/home"), reason: "missing_token", token: nil, error: "invalid_request")
            let expired = TokenMint.token(TokenMint.claims(["tenant": "acme"], life: -120), key)
            expectUnauthorized(try await gateway.get("/tenant/home", headers: [bearer(expired)]), reason: "token_expired", token: expired)
            let globex = TokenMint.token(TokenMint.claims(["tenant": "globex"]), key)
            #expect(try await gateway.get("/tenant/home", headers: [bearer(globex)]).status == 404)
            let acmeToken = TokenMint.token(TokenMint.claims(["tenant": "acme"]), key)
            #expect(try await gateway.get("/tenant/home", headers: [bearer(acmeToken)]).status == 200)
            #expect(acme.count == 1)
        }
    }

    @Test("a reload whose JWKS file is broken is rejected with the issuer's key path, and the keys in force keep working")
    func brokenJWKSFileRejectsReload() async throws {
        let keyFile = try KeyFile()
        let (scratch, key, jwks) = (keyFile.scratch, keyFile.key, keyFile.jwks)
        let app = try await AuthUpstream.start(name: "app")
        defer { Task { await app.stop() } }
        let yaml = Self.yaml(jwks: jwks, app: app.port, acme: app.port)
        try await GatewayHarness.with(yaml: yaml) { gateway async throws in
            let token = TokenMint.token(TokenMint.claims(), key)
            #expect(try await gateway.get("/api/x", headers: [bearer(token)]).status == 200)
            let broken = scratch.file("broken.json")
            try writeAtomically("{\"keys\": ", to: broken)
            var configuration = try BulwarkConfiguration.parse(yaml: Self.yaml(jwks: broken, app: app.port, acme: app.port))
            configuration.server = gateway.gateway.configuration.server
            let outcome = gateway.gateway.reload(configuration)
            #expect(outcome.status == .rejected)
            #expect(outcome.problems.first?.keyPath == "auth.jwt.issuers[0]")
            #expect(outcome.problems.first?.problem.contains("not a JSON Web Key Set") == true)
            #expect(try await gateway.get("/api/x", headers: [bearer(token)]).status == 200)
        }
    }

    @Test("on_store_failure and max_ttl need a restart: a reload reports them and keeps the running policy")
    func revocationPolicyNeedsRestart() async throws {
        let keyFile = try KeyFile()
        let jwks = keyFile.jwks
        let app = try await AuthUpstream.start(name: "app")
        defer { Task { await app.stop() } }
        try await GatewayHarness.with(yaml: Self.yaml(jwks: jwks, app: app.port, acme: app.port)) { gateway async throws in
            var configuration = try BulwarkConfiguration.parse(yaml: Self.yaml(jwks: jwks, app: app.port, acme: app.port))
            configuration.server = gateway.gateway.configuration.server
            configuration.auth?.revocation.onStoreFailure = .deny
            configuration.auth?.revocation.maxTTL = .seconds(60)
            let outcome = gateway.gateway.reload(configuration)
            #expect(outcome.needsRestart.contains("auth.revocation.on_store_failure"))
            #expect(outcome.needsRestart.contains("auth.revocation.max_ttl"))
            #expect(gateway.gateway.configuration.auth?.revocation.onStoreFailure == .allow)
            #expect(gateway.gateway.authentication?.revocation.onStoreFailure == .allow)
        }
    }
}

/// A gateway sharing its revocation list through Redis under `deny` serves valid tokens from the moment
/// it listens: it subscribes and loads the list before it accepts.
@Suite("Auth live: deny from the first request", .enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(2)))
struct AuthDenyStartLiveTests {
    @Test("the first request after the port opens, with a valid token, gets 200 under on_store_failure: deny")
    func firstRequestPasses() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let keyFile = try AuthReviewLiveTests.KeyFile()
        let (key, jwks) = (keyFile.key, keyFile.jwks)
        let app = try await AuthUpstream.start(name: "app")
        defer { Task { await app.stop() } }
        let yaml = """
        redis: { url: "\(redis.url)" }
        auth:
          jwt:
            issuers:
              - { issuer: \(TokenMint.issuer), audiences: [api], jwks_file: \(jwks.path) }
          revocation: { redis: true, on_store_failure: deny }
        upstreams:
          app: { targets: ["http://127.0.0.1:\(app.port)"] }
        routes:
          - { path_prefix: /api, upstream: app, auth: required }
        """
        for _ in 0..<3 {
            try await GatewayHarness.with(yaml: yaml) { gateway async throws in
                let token = TokenMint.token(TokenMint.claims(), key)
                let first = try await gateway.get("/api/x", headers: [bearer(token)])
                #expect(first.status == 200, "\(first.status) \(first.body)")
            }
        }
    }
}
