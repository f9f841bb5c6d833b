import BulwarkAuth
import Testing

/// The cache of verified tokens: it never answers differently from the verifier it sits in front of.
@Suite("Verified token cache")
struct VerifiedTokenCacheTests {
    static let now = VerifierFixture.now

    @Test("a verified token is remembered and gives the verifier's answer; refused tokens are not remembered")
    func remembersVerified() async throws {
        let fixture = try await VerifierFixture()
        let cache = VerifiedTokenCache()
        let token = TestKeys.token(claims: VerifierFixture.claims(["jti": "a"]), signedBy: fixture.rsa)
        let direct = try #require(fixture.verify(token).token)
        #expect(cache.verify(token[...], with: fixture.verifier, now: Self.now).token == direct)
        #expect(cache.verify(token[...], with: fixture.verifier, now: Self.now + 1).token == direct)
        #expect(cache.count == 1)
        let forged = TestKeys.token(claims: VerifierFixture.claims(), signedBy: TestKeys.rsa(kid: "rsa"))
        #expect(cache.verify(forged[...], with: fixture.verifier, now: Self.now).refusal == .badSignature)
        #expect(cache.count == 1)
    }

    @Test("a remembered token still expires, at exp plus the leeway exactly, and is refused with its reason")
    func expiryIsCheckedOnEveryHit() async throws {
        let fixture = try await VerifierFixture(leeway: .seconds(30))
        let cache = VerifiedTokenCache()
        let token = TestKeys.token(claims: VerifierFixture.claims(["exp": Self.now + 60]), signedBy: fixture.ec)
        #expect(cache.verify(token[...], with: fixture.verifier, now: Self.now).token != nil)
        #expect(cache.verify(token[...], with: fixture.verifier, now: Self.now + 89.999).token != nil)
        #expect(cache.verify(token[...], with: fixture.verifier, now: Self.now + 90).refusal == .expired)
    }

    @Test("a remembered token is not valid before its nbf less the leeway")
    func notBeforeIsCheckedOnEveryHit() async throws {
        let fixture = try await VerifierFixture(leeway: .seconds(30))
        let cache = VerifiedTokenCache()
        let token = TestKeys.token(claims: VerifierFixture.claims(["nbf": Self.now, "iat": Self.now - 100]), signedBy: fixture.rsa)
        #expect(cache.verify(token[...], with: fixture.verifier, now: Self.now).token != nil)
        #expect(cache.verify(token[...], with: fixture.verifier, now: Self.now - 30).token != nil)
        #expect(cache.verify(token[...], with: fixture.verifier, now: Self.now - 30.5).refusal == .notYetValid)
    }

    @Test("after a key-set change the remembered verdict is not used: a token whose key left is refused")
    func keyChangeForgets() async throws {
        let fixture = try await VerifierFixture()
        let cache = VerifiedTokenCache()
        let token = TestKeys.token(claims: VerifierFixture.claims(), signedBy: fixture.rsa)
        #expect(cache.verify(token[...], with: fixture.verifier, now: Self.now).token != nil)
        let other = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([TestKeys.rsa(kid: "rsa")]).utf8), algorithms: ["RS256"])
        let rotated = fixture.verifier.replacingKeys(of: VerifierFixture.issuer, with: other)
        #expect(rotated.generation != fixture.verifier.generation)
        #expect(cache.verify(token[...], with: rotated, now: Self.now).refusal == .badSignature)
    }

    @Test("the cache holds at most its capacity")
    func bounded() async throws {
        let fixture = try await VerifierFixture()
        let cache = VerifiedTokenCache(capacity: 8)
        for index in 0..<50 {
            let token = TestKeys.token(claims: VerifierFixture.claims(["jti": "t\(index)"]), signedBy: fixture.ec)
            #expect(cache.verify(token[...], with: fixture.verifier, now: Self.now).token?.tokenID == "t\(index)")
            #expect(cache.count <= 8)
        }
    }
}
