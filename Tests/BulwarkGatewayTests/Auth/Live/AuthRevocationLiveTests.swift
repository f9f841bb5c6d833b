import BulwarkAuth
import BulwarkRedis
import BulwarkTestSupport
import Foundation
import Testing

/// Revocation across two real gateways sharing one real Redis: a token revoked on one is refused by the
/// other within a second, the Redis entry lives as long as the token, logout through `revoke_on`, Redis
/// killed under each `on_store_failure` policy, and per-tenant (`claim:tenant`) limits exact across both.
@Suite("Auth live: revocation and tenant limits on a shared Redis", .enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(2)))
struct AuthRevocationLiveTests {
    /// Both gateways send this Host, so that what they share in Redis is keyed alike.
    static let host = ("Host", "api.example.test")

    static func yaml(redis: String, jwks: URL, upstream: Int, onStoreFailure: String = "allow", tenantLimit: Int = 5) -> String {
        """
        redis:
          url: "\(redis)"
        auth:
          jwt:
            issuers:
              - issuer: \(TokenMint.issuer)
                audiences: [api]
                jwks_file: \(jwks.path)
                algorithms: [RS256, ES256]
            leeway: 0s
            forward_claims: { X-User-Id: sub, X-Tenant-Id: tenant }
          revocation:
            redis: true
            on_store_failure: \(onStoreFailure)
        upstreams:
          app: { targets: ["http://127.0.0.1:\(upstream)"] }
        rate_limits:
          tenant: { requests: \(tenantLimit), per: 1m, key: "claim:tenant" }
        routes:
          - { path_prefix: /api/auth, upstream: app, auth: required, revoke_on: { path: /api/auth/logout, method: POST } }
          - { path_prefix: /api/limited, upstream: app, auth: required, rate_limits: [tenant] }
          - { path_prefix: /api, upstream: app, auth: required }
        """
    }

    /// A Redis, a JWKS file with one EC key, an upstream (status from `X-Answer`), and two gateways on them.
    static func withTwoGateways(
        onStoreFailure: String = "allow", tenantLimit: Int = 5,
        _ body: (_ key: MintKey, _ redis: RedisServer, _ app: AuthUpstream, _ first: GatewayHarness, _ second: GatewayHarness) async throws -> Void
    ) async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let scratch = try ScratchDirectory()
        let key = TokenMint.p256(kid: "ec-1")
        let jwks = scratch.file("jwks.json")
        try writeAtomically(TokenMint.jwks([key]), to: jwks)
        let app = try await AuthUpstream.start(status: { Int($0.header("X-Answer") ?? "") ?? 200 })
        let yaml = Self.yaml(redis: redis.url, jwks: jwks, upstream: app.port, onStoreFailure: onStoreFailure, tenantLimit: tenantLimit)
        do {
            try await GatewayHarness.with(yaml: yaml) { first async throws in
                try await GatewayHarness.with(yaml: yaml) { second async throws in
                    // Both lists are loaded and in step before the test starts.
                    let ready = try await eventually(within: .seconds(5)) {
                        (first.gateway.authentication?.revocation.storeReachable ?? false) && (second.gateway.authentication?.revocation.storeReachable ?? false)
                    }
                    #expect(ready, "the revocation lists never got in step with Redis")
                    try await body(key, redis, app, first, second)
                }
            }
        } catch {
            await app.stop()
            throw error
        }
        await app.stop()
    }

    static func call(_ gateway: GatewayHarness, _ token: String, _ method: String = "GET", _ path: String = "/api/orders", headers: [(String, String)] = []) async throws -> RawResponse {
        try await RawHTTP.request(method, path, port: gateway.port, headers: [host, bearer(token)] + headers, body: method == "POST" ? "" : nil, timeout: .seconds(5))
    }

    @Test("a token revoked on one gateway is refused by the other within a second; by jti, by SHA-256 (no jti), and every token of a user issued before a time")
    func revokedOnOneRefusedByTheOther() async throws {
        try await Self.withTwoGateways { key, _, _, first, second in
            let jti = UUID().uuidString
            let exp = TokenMint.now + 300
            let token = TokenMint.token(TokenMint.claims(["jti": jti, "exp": exp]), key)
            let bystander = TokenMint.token(TokenMint.claims(subject: "user-2"), key)
            #expect(try await Self.call(second, token).status == 200)

            try await first.gateway.authentication?.revocation.revoke(.token(id: RevocationEntry.tokenID(jti: jti), expiresAt: Double(exp)))
            expectUnauthorized(try await Self.call(first, token), reason: "token_revoked", token: token)
            let refused = try await eventually(within: .seconds(1)) { try await Self.call(second, token).status == 401 }
            #expect(refused, "the other gateway still accepts the revoked token after a second")
            expectUnauthorized(try await Self.call(second, token), reason: "token_revoked", token: token)
            #expect(try await Self.call(second, bystander).status == 200)

            // A token without jti is revoked by the SHA-256 of its signed part.
            var claims = TokenMint.claims(subject: "user-3")
            claims["jti"] = nil
            let anonymousID = TokenMint.token(claims, key)
            #expect(try await Self.call(second, anonymousID).status == 200)
            try await second.gateway.authentication?.revocation.revoke(.token(id: RevocationEntry.tokenID(fingerprint: TokenMint.signedPartSHA256(anonymousID)), expiresAt: nil))
            let byDigest = try await eventually(within: .seconds(1)) { try await Self.call(first, anonymousID).status == 401 }
            #expect(byDigest)

            // "Log out everywhere": user-9's tokens issued before `before` go, a later one passes.
            let before = TokenMint.now - 10
            let older = TokenMint.token(TokenMint.claims(["iat": before - 50], subject: "user-9"), key)
            let newer = TokenMint.token(TokenMint.claims(subject: "user-9"), key)
            try await first.gateway.authentication?.revocation.revoke(.subject(issuer: TokenMint.issuer, subject: "user-9", before: Double(before)))
            let subjectRefused = try await eventually(within: .seconds(1)) { try await Self.call(second, older).status == 401 }
            #expect(subjectRefused)
            expectUnauthorized(try await Self.call(second, older), reason: "token_revoked", token: older)
            #expect(try await Self.call(second, newer).status == 200)
        }
    }

    @Test("logout through revoke_on: a 2xx revokes the caller's token at once on this gateway and within a second on the other; the Redis entry lives as long as the token")
    func logoutRevokesAndTheEntryExpiresWithTheToken() async throws {
        try await Self.withTwoGateways { key, redis, app, first, second in
            let jti = UUID().uuidString
            let token = TokenMint.token(TokenMint.claims(["jti": jti], life: 2), key)
            let entryKey = "bulwark:revoked:t:jti:\(jti)"
            let client = try #require(first.gateway.redisClient)

            // A logout the app refuses, or another method on the same path, revokes nothing.
            #expect(try await Self.call(first, token, "POST", "/api/auth/logout", headers: [("X-Answer", "500")]).status == 500)
            #expect(try await Self.call(first, token, "GET", "/api/auth/logout").status == 200)
            #expect(try await Self.call(first, token, "POST", "/api/auth/logout/other").status == 200)
            #expect(try await Self.call(first, token).status == 200)

            let logout = try await Self.call(first, token, "POST", "/api/auth/logout")
            #expect(logout.status == 200)
            #expect(app.last?.uri == "/api/auth/logout")
            // At once on this gateway: the very next request is refused.
            expectUnauthorized(try await Self.call(first, token), reason: "token_revoked", token: token)
            let elsewhere = try await eventually(within: .seconds(1)) { try await Self.call(second, token).status == 401 }
            #expect(elsewhere, "the other gateway did not learn of the logout within a second")

            // In Redis with the token's remaining life (2 s at most, leeway 0 s).
            let ttl = try await client.sendRaw(["PTTL", RedisArgument(stringLiteral: entryKey)]).int ?? -2
            #expect(ttl > 0 && ttl <= 2_000, "PTTL \(ttl) ms for a token with 2 s of life")

            // Past its exp the token is refused as expired, and the entry is gone from Redis.
            let expired = try await eventually(within: .seconds(4)) {
                let body = try await Self.call(second, token).body
                return body.contains("token_expired")
            }
            #expect(expired)
            let gone = try await eventually(within: .seconds(3)) {
                try await client.sendRaw(["EXISTS", RedisArgument(stringLiteral: entryKey)]).int == 0
            }
            #expect(gone, "the revocation entry outlived its token in Redis")
            _ = redis
        }
    }

    @Test("logout revokes before the client can reuse the token on the same gateway (many tries)")
    func logoutIsInForceBeforeTheAnswer() async throws {
        try await Self.withTwoGateways { key, _, _, first, _ in
            var raced: [Int] = []
            for index in 0..<40 {
                let token = TokenMint.token(TokenMint.claims(), key)
                #expect(try await Self.call(first, token, "POST", "/api/auth/logout").status == 200)
                let again = try await Self.call(first, token)
                if again.status != 401 { raced.append(index) }
            }
            #expect(raced.isEmpty, "a token was still accepted right after its logout succeeded (tries \(raced))")
        }
    }

    @Test("Redis killed, on_store_failure: allow — tokens still pass, known revocations still refused, no 5xx, no hang")
    func redisDownAllow() async throws {
        try await Self.withTwoGateways(onStoreFailure: "allow") { key, redis, _, first, second in
            let revoked = TokenMint.token(TokenMint.claims(), key)
            #expect(try await Self.call(first, revoked, "POST", "/api/auth/logout").status == 200)
            _ = try await eventually(within: .seconds(1)) { try await Self.call(second, revoked).status == 401 }
            redis.kill()
            let noticed = try await eventually(within: .seconds(10)) { second.gateway.authentication?.revocation.storeReachable == false }
            #expect(noticed, "the gateway never noticed Redis was gone")
            let fresh = TokenMint.token(TokenMint.claims(), key)
            for gateway in [first, second] {
                for _ in 0..<3 {
                    let response = try await Self.call(gateway, fresh)
                    #expect(response.status == 200, "allow: \(response.status) \(response.body)")
                    expectUnauthorized(try await Self.call(gateway, revoked), reason: "token_revoked", token: revoked)
                }
            }
            // A logout while Redis is down still takes effect on this gateway.
            let leaving = TokenMint.token(TokenMint.claims(), key)
            let logout = try await Self.call(first, leaving, "POST", "/api/auth/logout")
            #expect(logout.status == 200)
            let local = try await eventually(within: .seconds(2)) { try await Self.call(first, leaving).status == 401 }
            #expect(local)
        }
    }

    @Test("Redis killed, on_store_failure: deny — tokens get 401 revocation_unavailable (never 5xx, never a hang); back to 200 when Redis returns")
    func redisDownDeny() async throws {
        try await Self.withTwoGateways(onStoreFailure: "deny") { key, redis, _, first, second in
            let token = TokenMint.token(TokenMint.claims(), key)
            #expect(try await Self.call(first, token).status == 200)
            redis.kill()
            let denied = try await eventually(within: .seconds(10)) { try await Self.call(second, token).status == 401 }
            #expect(denied, "deny: tokens still pass with Redis down")
            for gateway in [first, second] {
                let response = try await Self.call(gateway, token)
                expectUnauthorized(response, reason: "revocation_unavailable", token: token)
            }
            try await redis.launch()
            let back = try await eventually(within: .seconds(40)) {
                let statuses = [try await Self.call(first, token).status, try await Self.call(second, token).status]
                return statuses == [200, 200]
            }
            #expect(back, "the gateways never served again after Redis came back")
        }
    }

    @Test("rate limits keyed by claim:tenant are exact across two gateways, per tenant, whatever the user")
    func perTenantLimitsAcrossGateways() async throws {
        try await Self.withTwoGateways(tenantLimit: 5) { key, _, app, first, second in
            var statuses: [String: [Int]] = [:]
            for index in 0..<8 {
                for tenant in ["acme", "globex"] {
                    // A different user each time: the tenant is the key, not the user or the token.
                    let token = TokenMint.token(TokenMint.claims(["tenant": tenant], subject: "user-\(index)"), key)
                    let gateway = index % 2 == 0 ? first : second
                    statuses[tenant, default: []].append(try await Self.call(gateway, token, "GET", "/api/limited/x").status)
                }
            }
            let expected = Array(repeating: 200, count: 5) + Array(repeating: 429, count: 3)
            #expect(statuses["acme"] == expected, "\(statuses)")
            #expect(statuses["globex"] == expected, "\(statuses)")
            let forwarded = app.all.filter { $0.uri == "/api/limited/x" }.map { $0.values("X-Tenant-Id").first ?? "-" }
            #expect(forwarded.filter { $0 == "acme" }.count == 5)
            #expect(forwarded.filter { $0 == "globex" }.count == 5)
        }
    }
}

extension AuthRevocationLiveTests {
    @Test("a gateway started after a logout stored in Redis refuses the token from its first request")
    func lateGatewayLoadsTheList() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let scratch = try ScratchDirectory()
        let key = TokenMint.p256(kid: "ec-1")
        let jwks = scratch.file("jwks.json")
        try writeAtomically(TokenMint.jwks([key]), to: jwks)
        let app = try await AuthUpstream.start()
        defer { Task { await app.stop() } }
        let yaml = Self.yaml(redis: redis.url, jwks: jwks, upstream: app.port)
        let jti = UUID().uuidString
        let token = TokenMint.token(TokenMint.claims(["jti": jti]), key)
        try await GatewayHarness.with(yaml: yaml) { first async throws in
            #expect(try await Self.call(first, token, "POST", "/api/auth/logout").status == 200)
            expectUnauthorized(try await Self.call(first, token), reason: "token_revoked", token: token)
            let client = try #require(first.gateway.redisClient)
            let stored = try await eventually(within: .seconds(3)) {
                try await client.sendRaw(["EXISTS", RedisArgument(stringLiteral: "bulwark:revoked:t:jti:\(jti)")]).int == 1
            }
            #expect(stored, "the logout never reached Redis")
        }
        try await GatewayHarness.with(yaml: yaml) { late async throws in
            expectUnauthorized(try await Self.call(late, token), reason: "token_revoked", token: token)
        }
    }
}
