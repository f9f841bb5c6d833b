import BulwarkAuth
import Foundation
import Testing

/// The edges a careful client (or attacker) tries: leeway on token times, a body behind a refused request
/// on a kept-alive connection, forwarded-claim names in chunked trailers, revocation in memory on
/// optional routes and through logout, without Redis.
@Suite("Auth live: edges", .timeLimit(.minutes(2)))
struct AuthEdgeLiveTests {
    static func yaml(jwks: URL, upstream: Int) -> String {
        """
        auth:
          jwt:
            issuers:
              - issuer: \(TokenMint.issuer)
                audiences: [api, other]
                jwks_file: \(jwks.path)
            leeway: 30s
            forward_claims: { X-User-Id: sub }
        upstreams:
          app: { targets: ["http://127.0.0.1:\(upstream)"] }
        routes:
          - { path_prefix: /api/auth, upstream: app, auth: required, revoke_on: { path: /api/auth/logout } }
          - { path_prefix: /api, upstream: app, auth: required }
          - { path_prefix: /public, upstream: app, auth: optional }
          - { path_prefix: /open, upstream: app }
        """
    }

    static func with(_ body: (MintKey, AuthUpstream, GatewayHarness) async throws -> Void) async throws {
        let scratch = try ScratchDirectory()
        let key = TokenMint.p256(kid: "ec-1")
        let jwks = scratch.file("jwks.json")
        try writeAtomically(TokenMint.jwks([key]), to: jwks)
        let app = try await AuthUpstream.start()
        do {
            try await GatewayHarness.with(yaml: Self.yaml(jwks: jwks, upstream: app.port)) { gateway async throws in
                try await body(key, app, gateway)
            }
        } catch {
            await app.stop()
            throw error
        }
        await app.stop()
    }

    @Test("leeway: 30 s either side of exp, nbf and iat is accepted, more is not; aud may be a list naming one audience")
    func leewayAndAudienceList() async throws {
        try await Self.with { key, _, gateway in
            let now = TokenMint.now
            let accepted: [[String: Any]] = [
                ["exp": now - 10, "iat": now - 600],
                ["nbf": now + 10],
                ["iat": now + 10],
                ["aud": ["nobody", "other"]],
            ]
            for extra in accepted {
                let token = TokenMint.token(TokenMint.claims(extra), key)
                let response = try await gateway.get("/api/x", headers: [bearer(token)])
                #expect(response.status == 200, "\(extra): \(response.body)")
            }
            let refused: [([String: Any], String)] = [
                (["exp": now - 60, "iat": now - 600], "token_expired"),
                (["nbf": now + 60], "token_not_yet_valid"),
                (["iat": now + 60, "exp": now + 600], "token_not_yet_valid"),
                (["aud": ["nobody", "billing"]], "wrong_audience"),
            ]
            for (extra, reason) in refused {
                let token = TokenMint.token(TokenMint.claims(extra), key)
                expectUnauthorized(try await gateway.get("/api/x", headers: [bearer(token)]), reason: reason, token: token)
            }
        }
    }

    @Test("a refused request's body is never read as the next request on a kept-alive connection (also after a key-set refetch)")
    func refusedBodyIsNotSmuggled() async throws {
        try await Self.with { key, app, gateway in
            let smuggled = "GET /open/smuggled HTTP/1.1\r\nHost: h\r\nX-User-Id: admin\r\n\r\n"
            let unknownKid = TokenMint.token(TokenMint.claims(), TokenMint.p256(kid: "not-published"))
            for authorization in ["Bearer junk.junk.junk", "Bearer \(unknownKid)", "Basic dXNlcjpwdw=="] {
                let request = "POST /api/upload HTTP/1.1\r\nHost: h\r\nAuthorization: \(authorization)\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n"
                    + smuggled
                    + "GET /open/after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
                let bytes = try await RawHTTP.exchange(Array(request.utf8), port: gateway.port, timeout: .seconds(5))
                let text = String(decoding: bytes, as: UTF8.self)
                #expect(text.hasPrefix("HTTP/1.1 401"), "\(authorization.prefix(12)): \(text.prefix(80))")
            }
            let paths = app.all.map(\.uri)
            #expect(!paths.contains("/open/smuggled"), "a refused request's body reached the upstream as a request: \(paths)")
            #expect(!paths.contains("/api/upload"))
        }
    }

    @Test("a forwarded-claim header sent as a chunked trailer does not reach the upstream")
    func claimHeaderInTrailer() async throws {
        let scratch = try ScratchDirectory()
        let key = TokenMint.p256(kid: "ec-1")
        let jwks = scratch.file("jwks.json")
        try writeAtomically(TokenMint.jwks([key]), to: jwks)
        let upstream = try await RecordingUpstream.start()
        defer { Task { await upstream.stop() } }
        try await GatewayHarness.with(yaml: Self.yaml(jwks: jwks, upstream: upstream.port)) { gateway async throws in
            let token = TokenMint.token(TokenMint.claims(subject: "user-1"), key)
            for (path, authorization) in [("/public/x", ""), ("/api/x", "Authorization: Bearer \(token)\r\n"), ("/open/x", "")] {
                let request = "POST \(path) HTTP/1.1\r\nHost: h\r\n\(authorization)Transfer-Encoding: chunked\r\nTrailer: X-User-Id\r\nConnection: close\r\n\r\n"
                    + "5\r\nhello\r\n0\r\nX-User-Id: admin\r\nX_User_Id: admin\r\n\r\n"
                let response = try await RawHTTP.send(request, port: gateway.port)
                #expect(response.status == 200, "\(path): \(response.status)")
            }
            let received = upstream.connections.map { String(decoding: $0.bytes, as: UTF8.self) }.joined(separator: "\n----\n")
            #expect(!received.lowercased().contains("admin"), "a client's X-User-Id crossed in a trailer:\n\(received)")
        }
    }

    @Test("without Redis: a revoked token gets 401 token_revoked on required and optional routes, passes on auth: off; logout revokes in memory")
    func inMemoryRevocation() async throws {
        try await Self.with { key, app, gateway in
            let jti = UUID().uuidString
            let token = TokenMint.token(TokenMint.claims(["jti": jti]), key)
            #expect(try await gateway.get("/public/x", headers: [bearer(token)]).status == 200)
            let revocation = try #require(gateway.gateway.authentication?.revocation)
            try await revocation.revoke(.token(id: RevocationEntry.tokenID(jti: jti), expiresAt: nil))
            expectUnauthorized(try await gateway.get("/api/x", headers: [bearer(token)]), reason: "token_revoked", token: token)
            expectUnauthorized(try await gateway.get("/public/x", headers: [bearer(token)]), reason: "token_revoked", token: token)
            #expect(try await gateway.get("/open/x", headers: [bearer(token)]).status == 200)

            let leaving = TokenMint.token(TokenMint.claims(), key)
            let logout = try await RawHTTP.request("POST", "/api/auth/logout", port: gateway.port, headers: [bearer(leaving)], body: "")
            #expect(logout.status == 200)
            #expect(app.last?.uri == "/api/auth/logout")
            expectUnauthorized(try await gateway.get("/api/x", headers: [bearer(leaving)]), reason: "token_revoked", token: leaving)
            // A second logout with the revoked token is itself refused, and never reaches the app.
            let again = try await RawHTTP.request("POST", "/api/auth/logout", port: gateway.port, headers: [bearer(leaving)], body: "")
            expectUnauthorized(again, reason: "token_revoked", token: leaving)
            #expect(app.all.filter { $0.uri == "/api/auth/logout" }.count == 1)
        }
    }
}

extension AuthEdgeLiveTests {
    /// The P-256 group order n, big-endian.
    static let p256Order: [UInt8] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ]

    /// `token` with its ES256 signature (r, s) rewritten as (r, n − s): another valid signature of the
    /// same header and payload, made without the key.
    static func malleated(_ token: String) -> String {
        let parts = token.split(separator: ".").map(String.init)
        var base64 = parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let signature = Array(Data(base64Encoded: base64)!)
        let r = Array(signature[..<32])
        let s = Array(signature[32...])
        var difference = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in (0..<32).reversed() {
            var value = Int(p256Order[index]) - Int(s[index]) - borrow
            borrow = value < 0 ? 1 : 0
            if value < 0 { value += 256 }
            difference[index] = UInt8(value)
        }
        return parts[0] + "." + parts[1] + "." + TokenMint.base64URL(r + difference)
    }

    @Test("a token without jti revoked by logout stays refused when its ECDSA signature is rewritten as (r, n - s)")
    func malleatedSignatureAfterRevocation() async throws {
        try await Self.with { key, _, gateway in
            var claims = TokenMint.claims()
            claims["jti"] = nil
            let token = TokenMint.token(claims, key)
            let twin = Self.malleated(token)
            #expect(twin != token)
            // The twin is a valid token in its own right (the verifier does not insist on low s) or refused
            // as a bad signature; either way, once the original is revoked it must not pass.
            let before = try await gateway.get("/api/x", headers: [bearer(twin)]).status
            #expect(before == 200 || before == 401)
            #expect(try await RawHTTP.request("POST", "/api/auth/logout", port: gateway.port, headers: [bearer(token)], body: "").status == 200)
            expectUnauthorized(try await gateway.get("/api/x", headers: [bearer(token)]), reason: "token_revoked", token: token)
            let after = try await gateway.get("/api/x", headers: [bearer(twin)])
            #expect(after.status == 401, "the re-signed twin of a revoked token passes")
        }
    }
}

extension AuthEdgeLiveTests {
    @Test("Expect: 100-continue with a missing or invalid token gets its 401 without the client sending the body; HEAD gets a 401 head without a body")
    func refusedWithoutWaitingForTheBody() async throws {
        try await Self.with { _, app, gateway in
            for authorization in ["", "Authorization: Bearer junk.junk.junk\r\n"] {
                let head = "PUT /api/big HTTP/1.1\r\nHost: h\r\n\(authorization)Content-Length: 1000000\r\nExpect: 100-continue\r\n\r\n"
                let bytes = try await RawHTTP.exchange(Array(head.utf8), port: gateway.port, timeout: .seconds(5))
                let text = String(decoding: bytes, as: UTF8.self)
                #expect(text.hasPrefix("HTTP/1.1 401"), "\(text.prefix(60))")
                #expect(!text.contains("100 Continue"))
            }
            let head = try await RawHTTP.request("HEAD", "/api/x", port: gateway.port)
            #expect(head.status == 401)
            #expect(head.body.isEmpty)
            #expect(head.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(app.count == 0)
        }
    }
}

extension AuthEdgeLiveTests {
    @Test("every spelling of the logout path that reaches the app as the logout path revokes the token", arguments: [
        "/api/auth/logout?next=/", "/api/auth/%6Cogout", "/api/auth//logout", "/api/auth/./logout", "/api/auth/x/../logout",
    ])
    func logoutPathSpellings(_ path: String) async throws {
        try await Self.with { key, app, gateway in
            let token = TokenMint.token(TokenMint.claims(), key)
            let response = try await RawHTTP.request("POST", path, port: gateway.port, headers: [bearer(token)], body: "")
            let seen = app.last.map { String($0.uri.prefix { $0 != "?" }) }
            let after = try await gateway.get("/api/x", headers: [bearer(token)])
            if response.status == 200, seen == "/api/auth/logout" {
                #expect(after.status == 401, "\(path) reached the app as /api/auth/logout, answered 200, and the token still passes")
            } else {
                // Not a logout as far as the app knows: the token must not have been revoked.
                #expect(after.status == 200, "\(path) was not a logout for the app, yet the token was revoked")
            }
        }
    }
}

extension AuthEdgeLiveTests {
    @Test("match.claims picks a route by array, number and boolean claims; a route that needs claims is passed over without a token")
    func matchClaims() async throws {
        let scratch = try ScratchDirectory()
        let key = TokenMint.p256(kid: "ec-1")
        let jwks = scratch.file("jwks.json")
        try writeAtomically(TokenMint.jwks([key]), to: jwks)
        let gold = try await AuthUpstream.start(name: "gold")
        let admin = try await AuthUpstream.start(name: "admin")
        let app = try await AuthUpstream.start(name: "app")
        let yaml = """
        auth:
          jwt:
            issuers:
              - { issuer: "\(TokenMint.issuer)", jwks_file: "\(jwks.path)" }
        upstreams:
          gold: { targets: ["http://127.0.0.1:\(gold.port)"] }
          admin: { targets: ["http://127.0.0.1:\(admin.port)"] }
          app: { targets: ["http://127.0.0.1:\(app.port)"] }
        routes:
          - { path_prefix: /, upstream: admin, auth: optional, match: { claims: { roles: admin, level: 3 } } }
          - { path_prefix: /, upstream: gold, auth: optional, match: { claims: { premium: true } } }
          - { path_prefix: /, upstream: app, auth: optional }
        """
        try await GatewayHarness.with(yaml: yaml) { gateway async throws in
            func body(_ claims: [String: Any]) async throws -> String {
                let token = TokenMint.token(TokenMint.claims(claims), key)
                return try await gateway.get("/x", headers: [bearer(token)]).body
            }
            #expect(try await body(["roles": ["user", "admin"], "level": 3]) == "app:admin")
            #expect(try await body(["roles": ["user", "admin"], "level": 2]) == "app:app")
            #expect(try await body(["roles": "admin", "level": 3.0]) == "app:admin")
            #expect(try await body(["premium": true]) == "app:gold")
            #expect(try await body(["premium": "true"]) == "app:gold")
            #expect(try await body(["premium": false]) == "app:app")
            #expect(try await gateway.get("/x", headers: [("X-Premium", "true")]).body == "app:app")
        }
        await gold.stop()
        await admin.stop()
        await app.stop()
    }
}

extension AuthEdgeLiveTests {
    @Test("a WebSocket upgrade on a required route needs a token (401, nothing sent upstream); with one, the upgrade carries the forwarded claim, not the client's")
    func upgradeNeedsAToken() async throws {
        let scratch = try ScratchDirectory()
        let key = TokenMint.p256(kid: "ec-1")
        let jwks = scratch.file("jwks.json")
        try writeAtomically(TokenMint.jwks([key]), to: jwks)
        let switching = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n".utf8)
        let upstream = try await RecordingUpstream.start(script: .init(bytes: switching, closeAfter: true))
        defer { Task { await upstream.stop() } }
        try await GatewayHarness.with(yaml: Self.yaml(jwks: jwks, upstream: upstream.port)) { gateway async throws in
            let upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-User-Id: admin\r\n"
            let token = TokenMint.token(TokenMint.claims(subject: "ws-user"), key)
            // The decoder stops after a request that asks for an upgrade: without a 101 the connection
            // must close after the answer (`Connection: close`), not sit open ignoring what follows.
            let connection = try await RawConnection(port: gateway.port)
            try await connection.send("GET /api/ws HTTP/1.1\r\nHost: h\r\n\(upgrade)\r\n")
            let text = try await connection.wait(timeout: .seconds(5)) { $0.contains("\r\n\r\n") && $0.hasSuffix("}\n") }
            #expect(try await connection.waitForClose(timeout: .seconds(5)), "the connection stayed open after a refused upgrade")
            await connection.close()
            let refused = try RawHTTP.parse(Array(text.utf8))
            expectUnauthorized(refused, reason: "missing_token", token: nil, error: "invalid_request")
            #expect(refused.header("Connection")?.lowercased() == "close")
            #expect(upstream.totalBytes == 0, "an unauthenticated upgrade reached the upstream")

            let bytes = try await RawHTTP.exchange(Array("GET /api/ws HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer \(token)\r\n\(upgrade)\r\n".utf8), port: gateway.port, timeout: .seconds(5))
            #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 101"))
            let sent = upstream.connections.map { String(decoding: $0.bytes, as: UTF8.self) }.joined().lowercased()
            #expect(sent.contains("x-user-id: ws-user"), "\(sent)")
            #expect(!sent.contains("admin"), "\(sent)")
        }
    }
}
