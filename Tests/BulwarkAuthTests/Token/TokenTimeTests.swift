import BulwarkAuth
import Testing

@Suite("Token times", .timeLimit(.minutes(2)))
struct TokenTimeTests {
    static let now: Double = 1_750_000_000

    func reason(_ fixture: VerifierFixture, _ times: [String: Double], now: Double = now) -> AuthFailure.Reason?? {
        var claims: [String: Any] = ["iss": VerifierFixture.issuer, "aud": "api"]
        for (name, value) in times { claims[name] = value }
        let result = fixture.verify(TestKeys.token(claims: claims, signedBy: fixture.ec), now: now)
        return result.token != nil ? .some(nil) : .some(result.refusal)
    }

    @Test("exp must be after now minus the leeway; at the boundary the token has expired")
    func expiry() async throws {
        let fixture = try await VerifierFixture(leeway: .seconds(30))
        #expect(reason(fixture, ["exp": Self.now - 30]) == .expired)
        #expect(reason(fixture, ["exp": Self.now - 29.999]) == .some(nil))
        #expect(reason(fixture, ["exp": Self.now - 29]) == .some(nil))
        #expect(reason(fixture, ["exp": Self.now - 31]) == .expired)
        #expect(reason(fixture, [:]) == .some(nil))  // exp is optional
    }

    @Test("nbf and iat may be up to the leeway ahead, not more")
    func notBefore() async throws {
        let fixture = try await VerifierFixture(leeway: .seconds(30))
        #expect(reason(fixture, ["nbf": Self.now + 30]) == .some(nil))
        #expect(reason(fixture, ["nbf": Self.now + 30.5]) == .notYetValid)
        #expect(reason(fixture, ["iat": Self.now + 30]) == .some(nil))
        #expect(reason(fixture, ["iat": Self.now + 31]) == .notYetValid)
        #expect(reason(fixture, ["iat": 0, "nbf": 0]) == .some(nil))
    }

    @Test("without leeway the boundaries are now itself; a sub-second leeway counts")
    func zeroLeeway() async throws {
        let fixture = try await VerifierFixture(leeway: .zero)
        #expect(reason(fixture, ["exp": Self.now]) == .expired)
        #expect(reason(fixture, ["exp": Self.now + 0.5]) == .some(nil))
        #expect(reason(fixture, ["nbf": Self.now]) == .some(nil))
        #expect(reason(fixture, ["nbf": Self.now + 1]) == .notYetValid)
        #expect(reason(fixture, ["iat": Self.now]) == .some(nil))
        #expect(reason(fixture, ["iat": Self.now + 1]) == .notYetValid)

        let halfSecond = try await VerifierFixture(leeway: .milliseconds(500))
        #expect(reason(halfSecond, ["exp": Self.now - 0.25]) == .some(nil))
        #expect(reason(halfSecond, ["exp": Self.now - 0.5]) == .expired)
    }

    @Test("the same token passes and then expires as the injected now moves")
    func movingNow() async throws {
        let fixture = try await VerifierFixture(leeway: .seconds(5))
        let token = TestKeys.token(claims: VerifierFixture.claims(["exp": Self.now + 60, "nbf": Self.now, "iat": Self.now]), signedBy: fixture.ec)
        #expect(fixture.verify(token, now: Self.now - 6).refusal == .notYetValid)
        #expect(fixture.verify(token, now: Self.now - 5).token != nil)
        #expect(fixture.verify(token, now: Self.now + 64).token != nil)
        #expect(fixture.verify(token, now: Self.now + 65).refusal == .expired)
    }
}
