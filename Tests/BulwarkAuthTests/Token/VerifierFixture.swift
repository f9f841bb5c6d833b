import BulwarkAuth

/// A verifier trusting one issuer with an RSA and a P-256 key (kids `rsa` and `ec`), and the means to
/// mint that issuer's tokens.
struct VerifierFixture {
    static let issuer = "https://issuer.example"
    static let now: Double = 1_750_000_000

    let rsa: TestKey
    let ec: TestKey
    let verifier: TokenVerifier

    init(audiences: [String] = ["api"], algorithms: [String] = ["RS256", "PS256", "ES256"], leeway: Duration = .seconds(30)) async throws {
        rsa = TestKeys.rsa(kid: "rsa")
        ec = TestKeys.p256(kid: "ec")
        let keys = try await VerificationKeySet.load(jwks: Array(TestKeys.jwks([rsa, ec]).utf8), algorithms: algorithms)
        verifier = TokenVerifier(
            issuers: [TokenVerifier.Issuer(issuer: Self.issuer, audiences: audiences, algorithms: algorithms, keys: keys)],
            leeway: leeway
        )
    }

    /// Claims that pass: this issuer, audience `api`, valid around ``now``.
    static func claims(_ changes: [String: Any] = [:]) -> [String: Any] {
        var claims: [String: Any] = ["iss": issuer, "aud": "api", "sub": "user-1", "iat": now - 10, "exp": now + 300]
        claims.merge(changes) { _, new in new }
        return claims
    }

    func verify(_ token: String, now: Double = Self.now) -> TokenVerification {
        verifier.verify(token[...], now: now)
    }
}

extension TokenVerification {
    /// The refusal reason, or nil.
    var refusal: AuthFailure.Reason? {
        if case .refused(let failure) = self { return failure.reason }
        return nil
    }

    /// The verified token, or nil.
    var token: VerifiedToken? {
        if case .verified(let token) = self { return token }
        return nil
    }
}
