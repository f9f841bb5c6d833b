import Crypto

/// One revocation: a single token, or every token a user was issued before a time ("log out everywhere").
///
/// ```swift
/// let one = RevocationEntry.forToken(token)                       // by jti, or by fingerprint
/// let all = RevocationEntry.subject(issuer: "https://id.example", subject: "user-42", before: now)
/// ```
public enum RevocationEntry: Sendable, Hashable {
    /// One token. `id` is `jti:<jti>`, or `sha256:<lowercase hex>` (the token's ``VerifiedToken/fingerprint``)
    /// for a token without `jti`; `expiresAt` is its `exp` in seconds since 1970 when known: the entry is
    /// needed until then and no longer.
    case token(id: String, expiresAt: Double?)
    /// Every token of `issuer`'s `subject` issued before `before` (seconds since 1970); a token without
    /// `iat` counts as issued before.
    case subject(issuer: String, subject: String, before: Double)

    /// The largest time, in seconds since 1970, an entry may carry (about the year 318,857): a value read
    /// from Redis or the bus beyond it is refused, so a bad one can never overflow a conversion.
    public static let largestTime: Double = 1e13

    /// The `id` of the token entry for a `jti`.
    public static func tokenID(jti: String) -> String { "jti:" + jti }

    /// The `id` of the token entry for a token's fingerprint (lowercase hex SHA-256 of the compact token).
    public static func tokenID(fingerprint: String) -> String { "sha256:" + fingerprint }

    /// The entry that revokes `token` alone: by its `jti` when it has one, else by its fingerprint; it is
    /// kept until the token's `exp`.
    public static func forToken(_ token: VerifiedToken) -> RevocationEntry {
        let id = token.tokenID.map { tokenID(jti: $0) } ?? tokenID(fingerprint: token.fingerprint)
        return .token(id: id, expiresAt: token.expiresAt)
    }

    /// The entry that revokes `token` alone, read as the verifier reads it but without checking its
    /// signature (revoking a forged token does no harm): by its `jti` when it has one, else by its
    /// fingerprint; kept until its `exp`, else `fallbackExpiry`. Nil when `token` is not a compact JWT
    /// whose registered claims read.
    public static func forUnverifiedToken(_ token: Substring, fallbackExpiry: Double? = nil) -> RevocationEntry? {
        guard let compact = try? JWTCompactToken(parsing: token), let claims = try? TokenClaims(compact.payload) else { return nil }
        let id = claims.tokenID.map { tokenID(jti: $0) } ?? tokenID(fingerprint: TokenVerifier.fingerprint(token))
        return .token(id: id, expiresAt: claims.expiresAt ?? fallbackExpiry)
    }

    /// A stable name for the entry, the suffix of its Redis key: `t:<id>` for a token; for a subject
    /// `s:<hex SHA-256 of issuer + NUL + subject>:<before in ms>`, so that two "before" times of one
    /// user are two entries and a later write never shortens an earlier one.
    public var storageKey: String {
        switch self {
        case .token(let id, _):
            return "t:" + id
        case .subject(let issuer, let subject, let before):
            let digest = SHA256.hash(data: Array((issuer + "\u{0}" + subject).utf8))
            return "s:" + Self.hex(digest) + ":" + String(Int64(max(-Self.largestTime, min(before, Self.largestTime)) * 1000))
        }
    }

    /// A short text for logs: the kind and at most the first 8 characters of the id or subject, never
    /// the whole (`jti:3f2a91c0…`, `subject sha256:… before 1767225600`).
    public var logLabel: String {
        switch self {
        case .token(let id, _):
            return String(id.prefix(while: { $0 != ":" })) + ":" + String(id.drop(while: { $0 != ":" }).dropFirst().prefix(8)) + "…"
        case .subject(_, let subject, let before):
            return "subject \(subject.prefix(4))… before \(Int64(max(-Self.largestTime, min(before, Self.largestTime))))"
        }
    }

    /// The time (seconds since 1970) after which the entry no longer refuses any token that could still
    /// pass verification: a token's `exp` plus `leeway` (the verifier accepts a token that long after its
    /// `exp`), or `now + maxTTL` when `exp` is unknown; for a subject, `before + maxTTL + leeway` (every
    /// token issued before `before` with a life of at most `maxTTL` has expired by then).
    public func effectiveUntil(now: Double, maxTTL: Double, leeway: Double) -> Double {
        switch self {
        case .token(_, let expiresAt): expiresAt.map { $0 + leeway } ?? now + maxTTL
        case .subject(_, _, let before): before + maxTTL + leeway
        }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
