/// A bearer token that passed verification: its signature, algorithm, issuer, audience and times.
/// Revocation is checked separately (``RevocationList``).
public struct VerifiedToken: Sendable, Hashable {
    /// `iss`.
    public var issuer: String
    /// `sub`, when present.
    public var subject: String?
    /// `jti`, when present.
    public var tokenID: String?
    /// `iat` in seconds since 1970, when present.
    public var issuedAt: Double?
    /// `exp` in seconds since 1970, when present.
    public var expiresAt: Double?
    /// Every claim of the payload.
    public var claims: Claims
    /// The SHA-256 of the token's signed part (`header.payload`), in lowercase hex: what revokes a token
    /// without `jti` (see ``TokenVerifier/fingerprint(_:)`` for why the signature is left out).
    public var fingerprint: String

    /// A verified token.
    public init(issuer: String, subject: String?, tokenID: String?, issuedAt: Double?, expiresAt: Double?, claims: Claims, fingerprint: String) {
        self.issuer = issuer
        self.subject = subject
        self.tokenID = tokenID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.claims = claims
        self.fingerprint = fingerprint
    }
}
