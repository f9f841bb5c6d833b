import BulwarkDemo
import Foundation
import Testing

/// A real gateway with `auth:` in front of real upstreams, tried from the outside: every reason a token
/// is refused, as the client sees it (401, RFC 6750 challenge, problem document, the token never echoed),
/// and what the upstream receives when a token passes.
@Suite("Auth live: rejections and the trust boundary", .timeLimit(.minutes(2)))
struct AuthRejectionLiveTests {
    /// One gateway with an RSA and an EC key in a JWKS file, the issue's routes, and an `auth: off` route.
    struct Setup {
        let rsa: MintKey
        let ec: MintKey
        let app: AuthUpstream
        let acme: AuthUpstream
        let scratch: ScratchDirectory
        let yaml: String

        static func make() async throws -> Setup {
            let rsa = TokenMint.rsa(kid: "rsa-1")
            let ec = TokenMint.p256(kid: "ec-1")
            let scratch = try ScratchDirectory()
            let jwks = scratch.file("jwks.json")
            try writeAtomically(TokenMint.jwks([rsa, ec]), to: jwks)
            let app = try await AuthUpstream.start(name: "app")
            let acme = try await AuthUpstream.start(name: "acme")
            let yaml = """
            auth:
              jwt:
                issuers:
                  - issuer: \(TokenMint.issuer)
                    audiences: [api]
                    jwks_file: \(jwks.path)
                    algorithms: [RS256, ES256]
                leeway: 30s
                forward_claims: { X-User-Id: sub, X-Tenant-Id: tenant }
            upstreams:
              app: { targets: ["http://127.0.0.1:\(app.port)"] }
              acme_app: { targets: ["http://127.0.0.1:\(acme.port)"] }
            routes:
              - { path_prefix: /api, claims: { tenant: acme }, upstream: acme_app, auth: required }
              - { path_prefix: /api, upstream: app, auth: required }
              - { path_prefix: /public, upstream: app, auth: optional }
              - { path_prefix: /open, upstream: app }
            """
            return Setup(rsa: rsa, ec: ec, app: app, acme: acme, scratch: scratch, yaml: yaml)
        }

        func stop() async {
            await app.stop()
            await acme.stop()
        }
    }

    static func run(_ body: (Setup, GatewayHarness) async throws -> Void) async throws {
        let setup = try await Setup.make()
        do {
            try await GatewayHarness.with(yaml: setup.yaml) { gateway async throws in try await body(setup, gateway) }
        } catch {
            await setup.stop()
            throw error
        }
        await setup.stop()
    }

    @Test("RSA and EC tokens that are valid pass; each invalid one gets 401 naming why, for both key types")
    func everyRejectionReason() async throws {
        try await Self.run { setup, gateway in
            let stranger = TokenMint.rsa(kid: "rsa-1")  // same kid, not the published key
            let strangerEC = TokenMint.p256(kid: "ec-1")
            for (key, forger) in [(setup.rsa, stranger), (setup.ec, strangerEC)] {
                let good = TokenMint.token(TokenMint.claims(), key)
                let ok = try await gateway.get("/api/orders", headers: [bearer(good)])
                #expect(ok.status == 200, "\(key.defaultAlgorithm): \(ok.body)")
                #expect(ok.body == "app:app")

                let cases: [(String, String)] = [
                    ("token_expired", TokenMint.token(TokenMint.claims(["exp": TokenMint.now - 3600, "iat": TokenMint.now - 7200]), key)),
                    ("token_not_yet_valid", TokenMint.token(TokenMint.claims(["nbf": TokenMint.now + 3600]), key)),
                    ("token_not_yet_valid", TokenMint.token(TokenMint.claims(["iat": TokenMint.now + 3600, "exp": TokenMint.now + 7200]), key)),
                    ("wrong_issuer", TokenMint.token(TokenMint.claims(["iss": "https://evil.example.test"]), key)),
                    ("wrong_issuer", TokenMint.token(TokenMint.claims().filter { $0.key != "iss" }, key)),
                    ("wrong_audience", TokenMint.token(TokenMint.claims(audience: "billing"), key)),
                    ("wrong_audience", TokenMint.token(TokenMint.claims().filter { $0.key != "aud" }, key)),
                    ("bad_signature", TokenMint.token(TokenMint.claims(), forger)),
                    ("unknown_key", TokenMint.token(TokenMint.claims(), key, kid: "nobody-knows-this-kid")),
                    ("malformed_token", TokenMint.token(TokenMint.claims(["exp": "tomorrow"]), key)),
                ]
                for (reason, token) in cases {
                    let response = try await gateway.get("/api/orders", headers: [bearer(token)])
                    expectUnauthorized(response, reason: reason, token: token)
                }
                // A good token with its payload changed (a different sub) no longer verifies.
                let parts = good.split(separator: ".").map(String.init)
                let forgedPayload = TokenMint.base64URL(Array(TokenMint.json(TokenMint.claims(subject: "admin")).utf8))
                let tampered = [parts[0], forgedPayload, parts[2]].joined(separator: ".")
                expectUnauthorized(try await gateway.get("/api/orders", headers: [bearer(tampered)]), reason: "bad_signature", token: tampered)
            }
            #expect(setup.app.all.count == 2, "only the two good tokens reached the upstream")
            #expect(setup.acme.count == 0)
        }
    }

    @Test("a missing token is invalid_request; a malformed Authorization field is invalid_token")
    func missingAndMalformed() async throws {
        try await Self.run { setup, gateway in
            let missing = try await gateway.get("/api/orders")
            expectUnauthorized(missing, reason: "missing_token", token: nil, error: "invalid_request")
            // The description survives RFC 6750's character set (no character turned into '?').
            #expect(missing.header("WWW-Authenticate")?.contains("?") == false, "\(missing.header("WWW-Authenticate") ?? "")")
            // Another scheme is no bearer token at all.
            expectUnauthorized(try await gateway.get("/api/orders", headers: [("Authorization", "Basic dXNlcjpwdw==")]), reason: "missing_token", token: nil, error: "invalid_request")
            let good = TokenMint.token(TokenMint.claims(), setup.rsa)
            let malformed: [[(String, String)]] = [
                [("Authorization", "Bearer")],
                [("Authorization", "Bearer not-a-jwt")],
                [("Authorization", "Bearer a.b")],
                [("Authorization", "Bearer \(good) extra")],
                [("Authorization", "Bearer a,b")],
                [bearer(good), bearer(good)],
                [("Authorization", "Bearer " + good.split(separator: ".").prefix(2).joined(separator: "."))],
            ]
            for headers in malformed {
                let response = try await gateway.get("/api/orders", headers: headers)
                expectUnauthorized(response, reason: "malformed_token", token: good)
            }
            // The scheme is case-insensitive.
            #expect(try await gateway.get("/api/orders", headers: [("Authorization", "bearer \(good)")]).status == 200)
            #expect(setup.app.count == 1)
        }
    }

    @Test("alg none (any spelling, with or without a signature) is refused; so is an HS256 token whose secret is the issuer's RSA public key")
    func unsignedAndAlgorithmConfusion() async throws {
        try await Self.run { setup, gateway in
            let payload = TokenMint.json(TokenMint.claims(subject: "admin"))
            var forged: [String] = []
            for alg in ["none", "None", "NONE", "nOnE"] {
                forged.append(TokenMint.token(header: #"{"alg":"\#(alg)","typ":"JWT"}"#, payload: payload, signedBy: nil, algorithm: alg))
                forged.append(TokenMint.token(header: #"{"alg":"\#(alg)","kid":"rsa-1"}"#, payload: payload, signedBy: nil, algorithm: alg) + "c2ln")
            }
            // Algorithm confusion: HMAC with the RSA public key (PEM text, DER bytes, JWK modulus) as the
            // secret, with and without the RSA key's kid.
            let secrets: [[UInt8]] = [Array(setup.rsa.publicPEM.utf8), setup.rsa.publicDER, Array(TokenMint.jwks([setup.rsa]).utf8)]
            for secret in secrets {
                for kid in ["rsa-1", nil] as [String?] {
                    forged.append(TokenMint.token(TokenMint.claims(subject: "admin"), TokenMint.secret(secret, kid: kid), alg: "HS256", kid: .some(kid)))
                }
            }
            // An algorithm the issuer does not list, signed with its own RSA key.
            forged.append(TokenMint.token(TokenMint.claims(subject: "admin"), setup.rsa, alg: "PS256"))
            for token in forged {
                let response = try await gateway.get("/api/orders", headers: [bearer(token)])
                expectUnauthorized(response, reason: "wrong_algorithm", token: token)
                // Not on the optional route either.
                expectUnauthorized(try await gateway.get("/public/x", headers: [bearer(token)]), reason: "wrong_algorithm", token: token)
            }
            #expect(setup.app.count == 0, "no forged token reached the upstream")
        }
    }

    @Test("forwarded claims: set from the verified token, the client's copies removed on every route, Authorization forwarded")
    func forwardedClaimsCrossTheTrustBoundary() async throws {
        try await Self.run { setup, gateway in
            let token = TokenMint.token(TokenMint.claims(["tenant": "globex"], subject: "user-42"), setup.ec)
            let spoofed: [(String, String)] = [("X-User-Id", "admin"), ("x-tenant-id", "acme"), ("X_User_Id", "root"), ("X-User-Id", "second")]

            // auth: required, verified token.
            _ = try await gateway.get("/api/orders", headers: spoofed + [bearer(token)])
            var seen = try #require(setup.app.last)
            #expect(seen.values("X-User-Id", loose: true) == ["user-42"])
            #expect(seen.values("X-Tenant-Id", loose: true) == ["globex"])
            #expect(seen.values("Authorization") == ["Bearer \(token)"])

            // auth: optional, no token: passes with no claims, and the spoofed ones are gone.
            let anonymous = try await gateway.get("/public/page", headers: spoofed)
            #expect(anonymous.status == 200)
            seen = try #require(setup.app.last)
            #expect(seen.uri == "/public/page")
            #expect(seen.values("X-User-Id", loose: true).isEmpty, "\(seen.headers)")
            #expect(seen.values("X-Tenant-Id", loose: true).isEmpty)

            // auth: optional with a token: claims forwarded.
            _ = try await gateway.get("/public/page", headers: spoofed + [bearer(token)])
            seen = try #require(setup.app.last)
            #expect(seen.values("X-User-Id", loose: true) == ["user-42"])

            // auth: off: the token is not looked at, the headers are removed and not set.
            let off = try await gateway.get("/open/x", headers: spoofed + [bearer(token)])
            #expect(off.status == 200)
            seen = try #require(setup.app.last)
            #expect(seen.uri == "/open/x")
            #expect(seen.values("X-User-Id", loose: true).isEmpty, "\(seen.headers)")
            #expect(seen.values("X-Tenant-Id", loose: true).isEmpty)
            #expect(seen.values("Authorization") == ["Bearer \(token)"])

            // auth: off with no token at all.
            _ = try await gateway.get("/open/y", headers: spoofed)
            seen = try #require(setup.app.last)
            #expect(seen.uri == "/open/y")
            #expect(seen.values("X-User-Id", loose: true).isEmpty)
            #expect(seen.values("X-Tenant-Id", loose: true).isEmpty)

            // An invalid token on an auth: off route passes too (not looked at).
            #expect(try await gateway.get("/open/z", headers: [("Authorization", "Bearer junk")]).status == 200)
        }
    }

    @Test("a claim to forward holding CR or LF is refused with 401 unsafe_claim and never reaches the upstream")
    func headerInjectionThroughAClaim() async throws {
        try await Self.run { setup, gateway in
            for subject in ["u1\r\nX-Admin: true", "u1\nX-Admin: true", "u1\rX"] {
                let token = TokenMint.token(TokenMint.claims(subject: subject), setup.rsa)
                expectUnauthorized(try await gateway.get("/api/orders", headers: [bearer(token)]), reason: "unsafe_claim", token: token)
                expectUnauthorized(try await gateway.get("/public/x", headers: [bearer(token)]), reason: "unsafe_claim", token: token)
                // On auth: off the claim is not forwarded, so there is nothing to refuse.
                #expect(try await gateway.get("/open/x", headers: [bearer(token)]).status == 200)
            }
            let seenAdmin = setup.app.all.contains { !$0.values("X-Admin").isEmpty }
            #expect(!seenAdmin)
            #expect(setup.app.count == 3, "only the auth: off requests arrived")
        }
    }

    @Test("claims select the route: tenant acme goes to acme_app, another tenant to app; no or a bad token never picks the claim route")
    func claimsSelectARoute() async throws {
        try await Self.run { setup, gateway in
            let acme = TokenMint.token(TokenMint.claims(["tenant": "acme"]), setup.rsa)
            let globex = TokenMint.token(TokenMint.claims(["tenant": "globex"]), setup.ec)
            #expect(try await gateway.get("/api/orders", headers: [bearer(acme)]).body == "app:acme")
            #expect(setup.acme.last?.values("X-Tenant-Id") == ["acme"])
            #expect(try await gateway.get("/api/orders", headers: [bearer(globex)]).body == "app:app")
            // A client header cannot pick the tenant route.
            expectUnauthorized(try await gateway.get("/api/orders", headers: [("X-Tenant-Id", "acme")]), reason: "missing_token", token: nil, error: "invalid_request")
            let expiredAcme = TokenMint.token(TokenMint.claims(["tenant": "acme", "exp": TokenMint.now - 3600, "iat": TokenMint.now - 7200]), setup.rsa)
            expectUnauthorized(try await gateway.get("/api/orders", headers: [bearer(expiredAcme)]), reason: "token_expired", token: expiredAcme)
            #expect(setup.acme.count == 1)
        }
    }

    @Test("on an optional route an absent token passes without claims, an invalid one still gets 401")
    func optionalRoute() async throws {
        try await Self.run { setup, gateway in
            #expect(try await gateway.get("/public/x").status == 200)
            let expired = TokenMint.token(TokenMint.claims(["exp": TokenMint.now - 3600, "iat": TokenMint.now - 7200]), setup.ec)
            expectUnauthorized(try await gateway.get("/public/x", headers: [bearer(expired)]), reason: "token_expired", token: expired)
            expectUnauthorized(try await gateway.get("/public/x", headers: [("Authorization", "Bearer")]), reason: "malformed_token", token: nil)
            #expect(setup.app.count == 1)
        }
    }
}
