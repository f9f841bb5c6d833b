import BulwarkDemo
import Foundation
import Testing

/// A cached route behind `auth:`: forwarded-claim headers are what the upstream sees, so a response that
/// varies on one (`Vary: X-Tenant-Id`) must not be served to another tenant.
@Suite("Auth live: cached routes", .timeLimit(.minutes(1)))
struct AuthCacheLiveTests {
    @Test("a response with Vary on a forwarded-claim header is not served to another tenant", arguments: ["authorized: true", "authorized: false"])
    func varyOnAForwardedClaim(_ authorized: String) async throws {
        let scratch = try ScratchDirectory()
        let key = TokenMint.p256(kid: "ec-1")
        let jwks = scratch.file("jwks.json")
        try writeAtomically(TokenMint.jwks([key]), to: jwks)
        let app = try await DemoUpstream.start { request in
            DemoReply(body: "tenant=\(request.header("X-Tenant-Id") ?? "none")", headers: [("Cache-Control", "public, max-age=60"), ("Vary", "X-Tenant-Id")])
        }
        let yaml = """
        auth:
          jwt:
            issuers:
              - { issuer: "\(TokenMint.issuer)", audiences: [api], jwks_file: "\(jwks.path)" }
            forward_claims: { X-Tenant-Id: tenant }
        upstreams:
          app: { targets: ["http://127.0.0.1:\(app.port)"] }
        routes:
          - { path_prefix: /api, upstream: app, auth: required, cache: { ttl: 60s, \(authorized) } }
        """
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway async throws in
            let acme = TokenMint.token(TokenMint.claims(["tenant": "acme"]), key)
            let globex = TokenMint.token(TokenMint.claims(["tenant": "globex"]), key)
            #expect(try await gateway.get("/api/catalog", headers: [bearer(acme)]).body == "tenant=acme")
            #expect(try await gateway.get("/api/catalog", headers: [bearer(acme)]).body == "tenant=acme")
            let other = try await gateway.get("/api/catalog", headers: [bearer(globex)])
            #expect(other.body == "tenant=globex", "globex was served acme's cached response (\(authorized))")
            // Nor can a client pick a tenant's variant by sending the header itself.
            let spoofed = try await gateway.get("/api/catalog", headers: [bearer(globex), ("X-Tenant-Id", "acme")])
            #expect(spoofed.body == "tenant=globex", "a spoofed X-Tenant-Id selected acme's cached variant (\(authorized))")
        }
    }
}

extension AuthCacheLiveTests {
    @Test("on an optional cached route, a tenant's response (Cache-Control: public, Vary: X-Tenant-Id) is not served to an anonymous client")
    func anonymousDoesNotGetATenantsVariant() async throws {
        let scratch = try ScratchDirectory()
        let key = TokenMint.p256(kid: "ec-1")
        let jwks = scratch.file("jwks.json")
        try writeAtomically(TokenMint.jwks([key]), to: jwks)
        let app = try await DemoUpstream.start { request in
            DemoReply(body: "tenant=\(request.header("X-Tenant-Id") ?? "none")", headers: [("Cache-Control", "public, max-age=60"), ("Vary", "X-Tenant-Id")])
        }
        let yaml = """
        auth:
          jwt:
            issuers:
              - { issuer: "\(TokenMint.issuer)", audiences: [api], jwks_file: "\(jwks.path)" }
            forward_claims: { X-Tenant-Id: tenant }
        upstreams:
          app: { targets: ["http://127.0.0.1:\(app.port)"] }
        routes:
          - { path_prefix: /public, upstream: app, auth: optional, cache: { ttl: 60s } }
        """
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway async throws in
            let acme = TokenMint.token(TokenMint.claims(["tenant": "acme"]), key)
            #expect(try await gateway.get("/public/catalog", headers: [bearer(acme)]).body == "tenant=acme")
            let anonymous = try await gateway.get("/public/catalog")
            #expect(anonymous.body == "tenant=none", "an anonymous client was served acme's cached response")
        }
    }
}
