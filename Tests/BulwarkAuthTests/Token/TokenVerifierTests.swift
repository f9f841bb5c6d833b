import BulwarkAuth
import Crypto
import Foundation
import Testing

@Suite("Token verifier", .timeLimit(.minutes(2)))
struct TokenVerifierTests {
    @Test("an RS256 token verifies, with every claim and the fingerprint of its signed part")
    func rs256() async throws {
        let fixture = try await VerifierFixture()
        let claims = VerifierFixture.claims([
            "jti": "id-7", "admin": true, "level": 1, "ratio": 1.5, "nothing": NSNull(),
            "realm": ["roles": ["a", "b"]], "tags": ["x", 2, false],
        ])
        let token = TestKeys.token(claims: claims, signedBy: fixture.rsa)
        let verified = try #require(fixture.verify(token).token)
        #expect(verified.issuer == VerifierFixture.issuer)
        #expect(verified.subject == "user-1")
        #expect(verified.tokenID == "id-7")
        #expect(verified.issuedAt == VerifierFixture.now - 10)
        #expect(verified.expiresAt == VerifierFixture.now + 300)
        #expect(verified.claims["admin"] == .bool(true))
        #expect(verified.claims["level"] == .number(1))
        #expect(verified.claims["ratio"] == .number(1.5))
        #expect(verified.claims["nothing"] == .null)
        #expect(verified.claims["realm.roles"] == .array([.string("a"), .string("b")]))
        #expect(verified.claims["tags"] == .array([.string("x"), .number(2), .bool(false)]))
        #expect(verified.claims["aud"] == .string("api"))
        let signedPart = token[..<token.lastIndex(of: ".")!]
        let digest = SHA256.hash(data: Array(signedPart.utf8)).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        #expect(verified.fingerprint == digest)
    }

    @Test("ES256 (raw r‖s signature), PS256 and a kid naming the key verify")
    func es256() async throws {
        let fixture = try await VerifierFixture()
        let token = TestKeys.token(claims: VerifierFixture.claims(), signedBy: fixture.ec)
        let signature = try #require(token.split(separator: ".").last)
        #expect(signature.count == 86)  // 64 bytes, unpadded base64url
        #expect(fixture.verify(token).token?.subject == "user-1")
        #expect(fixture.verify(TestKeys.token(claims: VerifierFixture.claims(), signedBy: fixture.rsa, alg: "PS256")).token != nil)
    }

    @Test("ES384, ES512 and EdDSA keys verify their tokens")
    func otherCurves() async throws {
        let keys = [TestKeys.p384(kid: "p384"), TestKeys.p521(kid: "p521"), TestKeys.ed25519(kid: "ed")]
        let algorithms = ["ES384", "ES512", "EdDSA"]
        let set = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks(keys).utf8), algorithms: algorithms)
        let verifier = TokenVerifier(issuers: [.init(issuer: "i", audiences: [], algorithms: algorithms, keys: set)], leeway: .zero)
        for key in keys {
            let result = verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: key)[...], now: 0)
            #expect(result.token != nil, "\(key.defaultAlgorithm): \(result)")
        }
    }

    @Test("HS256, HS384 and HS512 tokens verify with a secret, with or without kid")
    func hmac() async throws {
        let secret = TestKeys.secret(String(repeating: "0123456789abcdef", count: 4))
        let algorithms = ["HS256", "HS384", "HS512"]
        let set = try await VerificationKeySet.load(secret: secret.secretText, algorithms: algorithms)
        let verifier = TokenVerifier(issuers: [.init(issuer: "i", audiences: [], algorithms: algorithms, keys: set)], leeway: .zero)
        for algorithm in algorithms {
            #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: secret, alg: algorithm)[...], now: 0).token != nil)
            #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: secret, alg: algorithm, kid: "any")[...], now: 0).token != nil)
        }
        let wrong = TestKeys.secret(String(repeating: "x", count: 64))
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: wrong)[...], now: 0).refusal == .badSignature)
    }

    @Test("a kid-less token is verified by whichever key signed it")
    func kidless() async throws {
        let keys = [TestKeys.rsa(kid: "one"), TestKeys.rsa(kid: "two"), TestKeys.p256(kid: "three")]
        let set = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks(keys).utf8), algorithms: ["RS256", "ES256"])
        let verifier = TokenVerifier(issuers: [.init(issuer: "i", audiences: [], algorithms: ["RS256", "ES256"], keys: set)], leeway: .zero)
        for key in keys {
            #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: key, kid: .some(nil))[...], now: 0).token != nil)
        }
        let stranger = TestKeys.p256(kid: nil)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: stranger)[...], now: 0).refusal == .badSignature)
    }

    @Test("an unknown kid asks for a refetch; a key set without any kid tries its keys instead")
    func unknownKid() async throws {
        let fixture = try await VerifierFixture()
        let newKey = TestKeys.p256(kid: "new")
        let token = TestKeys.token(claims: VerifierFixture.claims(), signedBy: newKey)
        #expect(fixture.verify(token) == .unknownKey(issuer: VerifierFixture.issuer, keyID: "new"))
        let longest = String(repeating: "k", count: 256)
        let atLimit = TestKeys.token(claims: VerifierFixture.claims(), signedBy: newKey, kid: longest)
        #expect(fixture.verify(atLimit) == .unknownKey(issuer: VerifierFixture.issuer, keyID: longest))
        let outsized = TestKeys.token(claims: VerifierFixture.claims(), signedBy: newKey, kid: longest + "k")
        #expect(fixture.verify(outsized).refusal == .unknownKey)

        let kidless = TestKeys.p256(kid: nil)
        let set = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([kidless]).utf8), algorithms: ["ES256"])
        let verifier = TokenVerifier(issuers: [.init(issuer: "i", audiences: [], algorithms: ["ES256"], keys: set)], leeway: .zero)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: kidless, kid: "whatever")[...], now: 0).token != nil)

        // In a set where some keys have kids, an unknown kid is unknown even though kid-less keys exist.
        let named = TestKeys.p256(kid: "named")
        let mixed = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([kidless, named]).utf8), algorithms: ["ES256"])
        let mixedVerifier = TokenVerifier(issuers: [.init(issuer: "i", audiences: [], algorithms: ["ES256"], keys: mixed)], leeway: .zero)
        #expect(mixedVerifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: kidless, kid: "rotated")[...], now: 0) == .unknownKey(issuer: "i", keyID: "rotated"))
        #expect(mixedVerifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: kidless, kid: .some(nil))[...], now: 0).token != nil)
        #expect(mixedVerifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: named)[...], now: 0).token != nil)
    }

    @Test("an issuer without keys asks for a refetch for a kid, and refuses a kid-less token as unknown key")
    func noKeys() async throws {
        let empty = try await VerifierFixture().verifier.replacingKeys(of: VerifierFixture.issuer, with: VerificationKeySetTests.empty)
        let key = TestKeys.p256(kid: "k")
        #expect(empty.verify(TestKeys.token(claims: VerifierFixture.claims(), signedBy: key)[...], now: VerifierFixture.now) == .unknownKey(issuer: VerifierFixture.issuer, keyID: "k"))
        #expect(empty.verify(TestKeys.token(claims: VerifierFixture.claims(), signedBy: key, kid: .some(nil))[...], now: VerifierFixture.now).refusal == .unknownKey)
    }

    @Test("replacingKeys swaps one issuer's keys and leaves the rest")
    func replacingKeys() async throws {
        let fixture = try await VerifierFixture()
        let newKey = TestKeys.p256(kid: "new")
        let token = TestKeys.token(claims: VerifierFixture.claims(), signedBy: newKey)
        let old = TestKeys.token(claims: VerifierFixture.claims(), signedBy: fixture.ec)
        let keys = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([newKey]).utf8), algorithms: ["ES256"])

        let refreshed = fixture.verifier.replacingKeys(of: VerifierFixture.issuer, with: keys)
        #expect(refreshed.verify(token[...], now: VerifierFixture.now).token != nil)
        #expect(refreshed.verify(old[...], now: VerifierFixture.now) == .unknownKey(issuer: VerifierFixture.issuer, keyID: "ec"))
        #expect(refreshed.issuers.map(\.keys.keyIDs) == [["new"]])
        #expect(refreshed.issuers.map(\.audiences) == [["api"]])
        #expect(fixture.verify(old).token != nil)  // the original is unchanged

        let untouched = fixture.verifier.replacingKeys(of: "https://other.example", with: keys)
        #expect(untouched.verify(old[...], now: VerifierFixture.now).token != nil)
        #expect(untouched.verify(token[...], now: VerifierFixture.now) == .unknownKey(issuer: VerifierFixture.issuer, keyID: "new"))
    }

    @Test("each issuer's tokens verify only with its own keys")
    func twoIssuers() async throws {
        let first = TestKeys.p256(kid: "k")
        let second = TestKeys.p256(kid: "k")
        let firstKeys = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([first]).utf8), algorithms: ["ES256"])
        let secondKeys = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([second]).utf8), algorithms: ["ES256"])
        let verifier = TokenVerifier(
            issuers: [
                .init(issuer: "a", audiences: [], algorithms: ["ES256"], keys: firstKeys),
                .init(issuer: "b", audiences: ["api-b"], algorithms: ["ES256"], keys: secondKeys),
            ],
            leeway: .zero
        )
        #expect(verifier.issuers.map(\.issuer) == ["a", "b"])
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "a"], signedBy: first)[...], now: 0).token?.issuer == "a")
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "b", "aud": "api-b"], signedBy: second)[...], now: 0).token?.issuer == "b")
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "b", "aud": "api-b"], signedBy: first)[...], now: 0).refusal == .badSignature)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "a"], signedBy: second)[...], now: 0).refusal == .badSignature)
    }

    @Test("audiences: a string or an array naming one accepted audience passes; no audiences accepts any")
    func audiences() async throws {
        let fixture = try await VerifierFixture(audiences: ["api", "admin"])
        func reason(_ aud: Any?) -> AuthFailure.Reason? {
            var claims = VerifierFixture.claims()
            claims["aud"] = aud
            return fixture.verify(TestKeys.token(claims: claims, signedBy: fixture.ec)).refusal
        }
        #expect(reason("api") == nil)
        #expect(reason(["other", "admin"]) == nil)
        #expect(reason("other") == .wrongAudience)
        #expect(reason([String]()) == .wrongAudience)
        #expect(reason(nil) == .wrongAudience)
        #expect(reason("API") == .wrongAudience)
        #expect(reason(7) == .malformed)
        #expect(reason(["api", 7]) == .malformed)

        let open = try await VerifierFixture(audiences: [])
        for aud: Any? in ["anything", ["x", "y"], nil] {
            var claims = VerifierFixture.claims()
            claims["aud"] = aud
            #expect(open.verify(TestKeys.token(claims: claims, signedBy: open.ec)).token != nil)
        }
    }

    @Test("an ES256 signature rewritten as (r, n−s) keeps the fingerprint, so revoking by fingerprint holds")
    func ecdsaMalleabilityKeepsFingerprint() async throws {
        let fixture = try await VerifierFixture()
        let token = TestKeys.token(claims: VerifierFixture.claims([:]), signedBy: fixture.ec)
        let original = try #require(fixture.verify(token).token)
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        var base64 = parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let signature = try #require(Data(base64Encoded: base64))
        #expect(signature.count == 64)
        // n − s, with n the order of P-256.
        let order: [UInt8] = [
            0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
        ]
        let s = Array(signature[32...])
        var negated = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in (0..<32).reversed() {
            var value = Int(order[index]) - Int(s[index]) - borrow
            borrow = value < 0 ? 1 : 0
            if value < 0 { value += 256 }
            negated[index] = UInt8(value)
        }
        let rewritten = parts[0] + "." + parts[1] + "." + TestKeys.base64URL(Data(signature[..<32]) + Data(negated))
        #expect(rewritten != token)
        switch fixture.verify(rewritten) {
        case .verified(let again):
            #expect(again.fingerprint == original.fingerprint)
        case .refused(let failure):
            #expect(failure.reason == .badSignature)
        case .unknownKey:
            Issue.record("the rewritten token named another key")
        }
    }
}
