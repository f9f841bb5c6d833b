import BulwarkDemo
import BulwarkRedis
import BulwarkTestSupport
import Crypto
import Foundation
import Testing

/// `POST /api/tokens/revoke` and `GET /api/tokens` against a real gateway with `auth:`: each body form
/// revokes what it says (the token then gets 401 through the gateway), bad bodies get a 400 that says
/// what to send, and the status never shows key material or secrets.
@Suite("Tokens admin API", .timeLimit(.minutes(1)))
struct TokensAPITests {
    static let issuer = "https://hs.example.test"
    /// The shared HMAC secret of the HS256 issuer (never to be shown).
    static let secret = "s3cr3t-value-that-must-never-show-0123456789"

    static func yaml(jwks: URL) -> String {
        """
        auth:
          jwt:
            issuers:
              - issuer: \(issuer)
                audiences: [api]
                secret: "\(secret)"
              - issuer: https://ec.example.test
                jwks_file: \(jwks.path)
              - issuer: https://url.example.test
                jwks_url: "http://alice:hunter2pass@127.0.0.1:9/jwks.json?api_key=QUERYSECRET"
        upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
        routes:
          - { path_prefix: /api, upstream: app, auth: required }
        """
    }

    /// A gateway whose HS256 issuer's tokens the test mints, and an EC key in a JWKS file.
    static func withGateway(_ body: (OperationsHarness, P256.Signing.PrivateKey) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = P256.Signing.PrivateKey()
        let raw = key.publicKey.rawRepresentation
        let jwk = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"ec-key-1","x":"\#(base64URL(raw.prefix(32)))","y":"\#(base64URL(raw.suffix(32)))"}]}"#
        let jwks = directory.appendingPathComponent("jwks.json")
        try jwk.write(to: jwks, atomically: true, encoding: .utf8)
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: yaml(jwks: jwks), upstreams: [app]) { harness async throws in
            try await body(harness, key)
        }
    }

    static func base64URL(_ bytes: some DataProtocol) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }

    /// An HS256 token of the test issuer with `claims` over the defaults (`jti: nil` leaves it out).
    static func token(_ claims: [String: Any?] = [:]) -> String {
        var payload: [String: Any] = ["iss": issuer, "aud": "api", "sub": "user-1", "iat": now - 5, "exp": now + 600, "jti": UUID().uuidString]
        for (name, value) in claims { payload[name] = value }
        let header = base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let body = base64URL(try! JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]))
        let input = header + "." + body
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return input + "." + base64URL(Data(mac))
    }

    static func through(_ harness: OperationsHarness, _ token: String) async throws -> HTTPReply {
        try await HTTPReply.fetch(.GET, "http://127.0.0.1:\(harness.port)/api/x", headers: [("Authorization", "Bearer \(token)")])
    }

    /// What `{"sha256": …}` takes: the SHA-256 of the token's signed part, `header.payload`.
    static func signedPartSHA256(_ token: String) -> String {
        let signed = token[..<token.lastIndex(of: ".")!]
        return SHA256.hash(data: Data(signed.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func rfc3339(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    @Test("each body form revokes its token(s): 200 {revoked, stored: true}, then the gateway answers 401 token_revoked")
    func everyBodyFormRevokes() async throws {
        try await Self.withGateway { harness, _ in
            let jti = UUID().uuidString
            var cases: [(body: String, revoked: [String], spared: [String])] = []

            let byJTI = Self.token(["jti": jti])
            cases.append((#"{"jti": "\#(jti)", "exp": \#(Self.now + 600)}"#, [byJTI], []))
            let jti2 = UUID().uuidString
            let byJTIText = Self.token(["jti": jti2])
            cases.append((#"{"jti": "\#(jti2)", "exp": "\#(Self.rfc3339(Self.now + 600))"}"#, [byJTIText], []))
            let jti3 = UUID().uuidString
            let byJTINoExp = Self.token(["jti": jti3])
            cases.append((#"{"jti": "\#(jti3)"}"#, [byJTINoExp], []))

            let pasted = Self.token()
            cases.append((#"{"token": "\#(pasted)"}"#, [pasted], []))
            let noJTI = Self.token(["jti": nil, "sub": "user-7"])
            cases.append((#"{"token": "\#(noJTI)"}"#, [noJTI], []))
            let noJTI2 = Self.token(["jti": nil, "sub": "user-8"])
            cases.append((#"{"sha256": "\#(Self.signedPartSHA256(noJTI2))", "exp": \#(Self.now + 600)}"#, [noJTI2], []))
            let noJTI3 = Self.token(["jti": nil, "sub": "user-10"])
            cases.append((#"{"sha256": "\#(Self.signedPartSHA256(noJTI3).uppercased())"}"#, [noJTI3], []))

            // Everything user-5 was issued before a time; a token issued after it survives.
            let before = Self.now - 2
            let old = Self.token(["sub": "user-5", "iat": before - 60])
            let later = Self.token(["sub": "user-5", "iat": before + 1])
            let otherUser = Self.token(["sub": "user-6", "iat": before - 60])
            cases.append((#"{"iss": "\#(Self.issuer)", "sub": "user-5", "before": "\#(Self.rfc3339(before))"}"#, [old], [later, otherUser]))
            // Without `before`: everything up to now.
            let all = Self.token(["sub": "user-9", "iat": Self.now - 1])
            cases.append((#"{"iss": "\#(Self.issuer)", "sub": "user-9"}"#, [all], []))

            for (body, revoked, spared) in cases {
                for token in revoked + spared {
                    #expect(try await Self.through(harness, token).status == 200, "before \(body)")
                }
                let reply = try await harness.admin(.POST, "/api/tokens/revoke", body: body)
                #expect(reply.status == 200, "\(body): \(reply.status) \(reply.body)")
                let object = try reply.object()
                #expect(object["stored"] as? Bool == true)
                #expect((object["revoked"] as? String)?.isEmpty == false)
                for token in revoked {
                    let after = try await Self.through(harness, token)
                    #expect(after.status == 401, "still accepted after \(body)")
                    #expect(after.body.contains("token_revoked"), "\(after.body)")
                    #expect(!reply.body.contains(token), "the answer echoes the token")
                }
                for token in spared {
                    #expect(try await Self.through(harness, token).status == 200, "wrongly revoked by \(body)")
                }
            }
        }
    }

    @Test("a pasted token with the whitespace a terminal copy adds (or its Bearer prefix) still revokes that token")
    func pastedTokenWithWhitespace() async throws {
        try await Self.withGateway { harness, _ in
            for variant in ["TOKEN\n", " TOKEN ", "Bearer TOKEN"] {
                let token = Self.token(["jti": nil, "sub": "user-\(UUID().uuidString.prefix(6))"])
                #expect(try await Self.through(harness, token).status == 200)
                let pasted = variant.replacingOccurrences(of: "TOKEN", with: token)
                let body = String(decoding: try JSONSerialization.data(withJSONObject: ["token": pasted]), as: UTF8.self)
                let reply = try await harness.admin(.POST, "/api/tokens/revoke", body: body)
                if reply.status == 200 {
                    // Accepted: then it must have revoked the token it was given, not a near miss.
                    #expect(try await Self.through(harness, token).status == 401, "200 for \(variant.debugDescription) but the token still passes")
                } else {
                    #expect(reply.status == 400, "\(variant.debugDescription): \(reply.status)")
                }
            }
        }
    }

    @Test("bad bodies get 400 with a message that says what to send")
    func badBodies() async throws {
        try await Self.withGateway { harness, _ in
            let cases: [(body: String, mentions: String)] = [
                ("not json", "jti"),
                ("{}", "jti"),
                (#"{"jit": "x"}"#, "jti"),
                (#"{"jti": ""}"#, "jti"),
                (#"{"jti": 42}"#, "jti"),
                (#"{"jti": "a", "sha256": "\#(String(repeating: "a", count: 64))"}"#, "exactly one"),
                (#"{"jti": "a", "iss": "x", "sub": "y"}"#, "exactly one"),
                (#"{"jti": "a", "exp": "next tuesday"}"#, "exp"),
                (#"{"sha256": "xyz"}"#, "sha256"),
                (#"{"sha256": "\#(String(repeating: "g", count: 64))"}"#, "sha256"),
                (#"{"token": "not-a-jwt"}"#, "token"),
                (#"{"token": "a.b"}"#, "token"),
                (#"{"iss": "\#(Self.issuer)"}"#, "sub"),
                (#"{"sub": "user-1"}"#, "iss"),
                (#"{"iss": "", "sub": "user-1"}"#, "iss"),
                (#"{"iss": "\#(Self.issuer)", "sub": "u", "before": "yesterday"}"#, "RFC 3339"),
                (#"{"iss": "\#(Self.issuer)", "sub": "u", "before": "\#(Self.rfc3339(Self.now + 3600))"}"#, "future"),
            ]
            for (body, mentions) in cases {
                let reply = try await harness.admin(.POST, "/api/tokens/revoke", body: body)
                #expect(reply.status == 400, "\(body): \(reply.status) \(reply.body)")
                let message = (try? reply.object())?["error"] as? String ?? ""
                #expect(message.contains(mentions), "\(body): \(message)")
            }
            #expect(try await harness.admin(.GET, "/api/tokens/revoke").status == 405)
            let entries = try await harness.json("/api/tokens")["revocation"] as? [String: Any]
            #expect(entries?["entries"] as? Int == 0, "a refused body revoked something")
        }
    }

    @Test("GET /api/tokens shows issuers, key ids and the revocation state, never a secret, key material or URL credentials")
    func statusShowsNoSecrets() async throws {
        try await Self.withGateway { harness, key in
            _ = try await harness.admin(.POST, "/api/tokens/revoke", body: #"{"jti": "one"}"#)
            let reply = try await harness.admin(.GET, "/api/tokens")
            #expect(reply.status == 200)
            let status = try reply.object()
            #expect(status["enabled"] as? Bool == true)
            let issuers = try #require(status["issuers"] as? [[String: Any]])
            #expect(issuers.compactMap { $0["issuer"] as? String } == [Self.issuer, "https://ec.example.test", "https://url.example.test"])
            let secretIssuer = try #require(issuers.first)
            #expect(secretIssuer["source"] as? String == "secret")
            let file = try #require(issuers.dropFirst().first)
            #expect(file["source"] as? String == "file")
            #expect(file["key_ids"] as? [String] == ["ec-key-1"])
            #expect(file["keys"] as? Int == 1)
            let url = try #require(issuers.last)
            #expect(url["source"] as? String == "url")
            let revocation = try #require(status["revocation"] as? [String: Any])
            #expect(revocation["entries"] as? Int == 1)
            #expect(revocation["shared"] as? Bool == false)
            #expect(revocation["on_store_failure"] as? String == "allow")

            let raw = key.publicKey.rawRepresentation
            let forbidden = [Self.secret, Self.base64URL(Data(Self.secret.utf8)), Self.base64URL(raw.prefix(32)), Self.base64URL(raw.suffix(32)), "hunter2pass", "alice"]
            let shown = forbidden.filter { reply.body.contains($0) }
            #expect(shown.isEmpty, "GET /api/tokens shows \(shown): \(reply.body)")
        }
    }

    @Test("GET /api/tokens does not show a jwks_url's query string (it can hold an API key), as the configuration's own redaction does not")
    func statusHidesURLQuery() async throws {
        try await Self.withGateway { harness, _ in
            // Wait for the unreachable URL's first attempt, so last_error is filled in too.
            _ = try await eventually(within: .seconds(8)) {
                let issuers = try await harness.json("/api/tokens")["issuers"] as? [[String: Any]]
                return issuers?.last?["last_error"] is String
            }
            let reply = try await harness.admin(.GET, "/api/tokens")
            #expect(!reply.body.contains("QUERYSECRET"), "GET /api/tokens shows the jwks_url's query: \(reply.body)")
            let url = try #require((try reply.object()["issuers"] as? [[String: Any]])?.last)
            #expect(url["location"] as? String == "http://***@127.0.0.1:9/jwks.json?***")
        }
    }
}

/// The admin API on a gateway whose revocation list lives in a real Redis.
@Suite("Tokens admin API with Redis", .enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct TokensAPIRedisTests {
    @Test("with Redis: revoke answers 200 stored and the status says shared; Redis killed: 202 stored false at once, the token refused here anyway, and written to Redis when it returns")
    func revokeWhileRedisIsDown() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let yaml = """
        redis:
          url: "\(redis.url)"
        auth:
          jwt:
            issuers:
              - { issuer: "\(TokensAPITests.issuer)", audiences: [api], secret: "\(TokensAPITests.secret)" }
          revocation:
            redis: true
        upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
        routes:
          - { path_prefix: /api, upstream: app, auth: required }
        """
        try await OperationsHarness.with(yaml: yaml, upstreams: [app]) { harness async throws in
            #expect(try await eventually { harness.gateway.authentication?.revocation.storeReachable == true })
            let first = TokensAPITests.token()
            let stored = try await harness.admin(.POST, "/api/tokens/revoke", body: #"{"token": "\#(first)"}"#)
            #expect(stored.status == 200)
            #expect(try stored.object()["stored"] as? Bool == true)
            #expect(try await TokensAPITests.through(harness, first).status == 401)
            let status = try #require(try await harness.json("/api/tokens")["revocation"] as? [String: Any])
            #expect(status["shared"] as? Bool == true)
            #expect(status["store_reachable"] as? Bool == true)
            #expect(!(try await harness.admin(.GET, "/api/tokens").body.contains(TokensAPITests.secret)))

            redis.kill()
            let jti = UUID().uuidString
            let second = TokensAPITests.token(["jti": jti])
            let started = ContinuousClock.now
            let local = try await harness.admin(.POST, "/api/tokens/revoke", body: #"{"jti": "\#(jti)"}"#)
            #expect(ContinuousClock.now - started < .seconds(5), "the admin API hung on a dead Redis")
            #expect(local.status == 202, "\(local.status) \(local.body)")
            #expect(try local.object()["stored"] as? Bool == false)
            #expect(try await TokensAPITests.through(harness, second).status == 401)
            let down = try #require(try await harness.json("/api/tokens")["revocation"] as? [String: Any])
            #expect(down["store_reachable"] as? Bool == false)

            try await redis.launch()
            let reachable = try await eventually(within: .seconds(40)) { harness.gateway.authentication?.revocation.storeReachable == true }
            #expect(reachable, "the list never got back in step with Redis")
            let client = try #require(harness.gateway.redisClient)
            let written = try await eventually(within: .seconds(5)) {
                try await client.sendRaw(["EXISTS", RedisArgument(stringLiteral: "bulwark:revoked:t:jti:\(jti)")]).int == 1
            }
            #expect(written, "a revocation made while Redis was down was not written when it came back")
        }
    }
}
