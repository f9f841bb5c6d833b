/// What ``TokenVerifier/verify(_:now:)`` concluded about a token.
public enum TokenVerification: Sendable, Equatable {
    /// The token passed: signature, algorithm, issuer, times and audience.
    case verified(VerifiedToken)
    /// The token is refused, and why.
    case refused(AuthFailure)
    /// The token's issuer is configured, its `kid` is not in that issuer's key set: the caller may refetch
    /// the set (`jwks_url`) and verify again; if still unknown it refuses with `.unknownKey`.
    case unknownKey(issuer: String, keyID: String)
}
