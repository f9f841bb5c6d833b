import BulwarkAuth
import Testing
import _CryptoExtras

@Suite("Algorithm confusion", .timeLimit(.minutes(2)))
struct AlgorithmConfusionTests {
    /// The public key's forms an attacker might use as an HMAC secret.
    func publicForms(_ key: TestKey) throws -> [[UInt8]] {
        guard case .rsa(let rsa) = key.material else { return [] }
        return [
            Array(rsa.publicKey.pemRepresentation.utf8),
            Array(rsa.publicKey.derRepresentation),
            Array(key.jwkJSON.utf8),
            Array(TestKeys.jwks([key]).utf8),
        ]
    }

    @Test("an HS256 token signed with the RSA public key as the secret is never verified")
    func publicKeyAsSecret() async throws {
        let rsa = TestKeys.rsa(kid: "rsa")
        let keys = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([rsa]).utf8), algorithms: ["RS256"])
        // Even if the issuer's list wrongly includes HS256, a JWKS key never verifies HMAC.
        for algorithms in [["RS256"], ["RS256", "HS256"], ["HS256"]] {
            let verifier = TokenVerifier(issuers: [.init(issuer: "i", audiences: [], algorithms: algorithms, keys: keys)], leeway: .zero)
            for secret in try publicForms(rsa) {
                let forged = TestKeys.token(claims: ["iss": "i"], signedBy: TestKeys.secretBytes(secret, kid: "rsa"), alg: "HS256", kid: "rsa")
                #expect(verifier.verify(forged[...], now: 0).refusal == .wrongAlgorithm, "\(algorithms)")
                let kidless = TestKeys.token(claims: ["iss": "i"], signedBy: TestKeys.secretBytes(secret), alg: "HS256")
                #expect(verifier.verify(kidless[...], now: 0).refusal == .wrongAlgorithm, "\(algorithms)")
            }
        }
    }

    @Test("a secret never verifies RS256 or ES256 tokens, even when the issuer lists them")
    func secretNeverAsymmetric() async throws {
        let secret = TestKeys.secret(String(repeating: "z", count: 32))
        let keys = try await VerificationKeySet.load(secret: secret.secretText, algorithms: ["HS256"])
        let verifier = TokenVerifier(issuers: [.init(issuer: "i", audiences: [], algorithms: ["HS256", "RS256", "ES256"], keys: keys)], leeway: .zero)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: TestKeys.rsa(kid: nil))[...], now: 0).refusal == .wrongAlgorithm)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: TestKeys.p256(kid: nil))[...], now: 0).refusal == .wrongAlgorithm)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: secret)[...], now: 0).token != nil)
    }

    @Test("the issuer's algorithms decide even when its key set was built for more")
    func issuerListNarrows() async throws {
        let rsa = TestKeys.rsa(kid: "rsa")
        let keys = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([rsa]).utf8), algorithms: ["RS256", "PS256"])
        let verifier = TokenVerifier(issuers: [.init(issuer: "i", audiences: [], algorithms: ["PS256"], keys: keys)], leeway: .zero)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: rsa, alg: "PS256")[...], now: 0).token != nil)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: rsa, alg: "RS256")[...], now: 0).refusal == .wrongAlgorithm)
    }

    @Test("a key pinned to RS256 by its JWK does not verify PS256, and an EC key does not verify another curve's alg")
    func pinnedAndCurves() async throws {
        let pinned = TestKeys.rsa(kid: "pinned", alg: "RS256")
        let p256 = TestKeys.p256(kid: "p256")
        let algorithms = ["RS256", "PS256", "ES256", "ES384"]
        let keys = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([pinned, p256]).utf8), algorithms: algorithms)
        let verifier = TokenVerifier(issuers: [.init(issuer: "i", audiences: [], algorithms: algorithms, keys: keys)], leeway: .zero)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: pinned)[...], now: 0).token != nil)
        #expect(verifier.verify(TestKeys.token(claims: ["iss": "i"], signedBy: pinned, alg: "PS256")[...], now: 0).refusal == .wrongAlgorithm)
        let es384Header = TestKeys.token(header: TestKeys.json(["alg": "ES384", "kid": "p256"]), payload: TestKeys.json(["iss": "i"]), signedBy: p256, algorithm: "ES256")
        #expect(verifier.verify(es384Header[...], now: 0).refusal == .wrongAlgorithm)
    }
}
