import Crypto

/// Verifies bearer JWTs against the configured issuers, synchronously, at an injected `now`.
///
/// The checks run in this order, the first failure deciding (``AuthFailure/Reason``):
/// 1. compact form: three unpadded base64url parts, at most 16 KiB, header and payload JSON objects
///    (`malformed`);
/// 2. header: `alg` present (`malformed`), not `none` in any case (`wrongAlgorithm`); `crit` and `b64`
///    are not supported (`malformed`); `kid`, when present, a string (`malformed`);
/// 3. `iss` a configured issuer (`wrongIssuer`);
/// 4. `alg` one that issuer accepts (`wrongAlgorithm`), and one its keys verify;
/// 5. the key: the one `kid` names (unknown: ``TokenVerification/unknownKey(issuer:keyID:)``, or refused
///    as `unknownKey` when over 256 bytes; a set without any `kid` tries all its keys instead), or, without
///    `kid`, any key of the issuer for that `alg` (`unknownKey` when the issuer has no keys loaded); the
///    signature must verify (`badSignature`);
/// 6. times, each optional, with the leeway: `exp` after now (`expired`), `nbf` and `iat` not after now
///    (`notYetValid`); a time that is not a number is `malformed`;
/// 7. `aud` names one of the issuer's audiences, when it has any (`wrongAudience`).
///
/// Keys from a JWKS never verify HMAC tokens and a secret never verifies RSA/EC/EdDSA ones, so a token
/// cannot choose its own verification (algorithm confusion). Headers that carry keys (`jwk`, `jku`,
/// `x5u`, `x5c`) are ignored. No failure detail quotes the token.
public struct TokenVerifier: Sendable {
    /// One trusted issuer: what its tokens' `iss` says, which audiences and algorithms it may use, its keys.
    public struct Issuer: Sendable {
        /// The `iss` value, compared exactly.
        public var issuer: String
        /// The audiences accepted in `aud`; empty accepts any (and no) `aud`.
        public var audiences: [String]
        /// The `alg` values accepted, e.g. `["RS256"]`.
        public var algorithms: [String]
        /// The keys that verify its signatures.
        public var keys: VerificationKeySet

        /// An issuer.
        public init(issuer: String, audiences: [String], algorithms: [String], keys: VerificationKeySet) {
            self.issuer = issuer
            self.audiences = audiences
            self.algorithms = algorithms
            self.keys = keys
        }
    }

    /// The trusted issuers, as given.
    public private(set) var issuers: [Issuer]
    /// How far `exp`, `nbf` and `iat` may be off, in seconds.
    let leeway: Double
    /// Each issuer's position in ``issuers`` by `iss` (the first one given, when repeated).
    private var index: [String: Int]
    /// Tells this verifier's keys and settings from any other's: made anew by ``init(issuers:leeway:)`` and
    /// ``replacingKeys(of:with:)``, so a result cached under it (``VerifiedTokenCache``) is never used
    /// with other keys.
    public private(set) var generation = UInt64.random(in: .min ... .max)

    /// A verifier trusting `issuers`, allowing `leeway` of clock difference on token times.
    public init(issuers: [Issuer], leeway: Duration) {
        self.issuers = issuers
        let (seconds, attoseconds) = leeway.components
        self.leeway = max(0, Double(seconds) + Double(attoseconds) / 1e18)
        self.index = Dictionary(issuers.enumerated().map { ($0.element.issuer, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    /// A copy with `issuer`'s keys replaced by `keys` (after a refresh); unchanged when `issuer` is not
    /// configured.
    public func replacingKeys(of issuer: String, with keys: VerificationKeySet) -> TokenVerifier {
        var copy = self
        copy.generation = UInt64.random(in: .min ... .max)
        for position in copy.issuers.indices where copy.issuers[position].issuer == issuer {
            copy.issuers[position].keys = keys
        }
        return copy
    }

    /// Verifies `token` (the compact JWS after `Bearer `) at `now`, in seconds since 1970. Synchronous; reads
    /// no clock.
    public func verify(_ token: Substring, now: Double) -> TokenVerification {
        do {
            return try verifyThrowing(token, now: now)
        } catch {
            return .refused(error)
        }
    }

    private func verifyThrowing(_ token: Substring, now: Double) throws(AuthFailure) -> TokenVerification {
        let compact = try JWTCompactToken(parsing: token)
        let header = try TokenHeader(compact.header)
        guard case .string(let issuerName) = compact.payload["iss"], let position = index[issuerName] else {
            throw AuthFailure(.wrongIssuer, "the token's issuer is not accepted")
        }
        let issuer = issuers[position]
        guard issuer.algorithms.contains(header.algorithm) else {
            throw AuthFailure(.wrongAlgorithm, "the token's algorithm is not accepted for its issuer")
        }
        let candidates = issuer.keys.candidates(keyID: header.keyID)
        if candidates.isEmpty, let keyID = header.keyID {
            // A refetch is for rotated keys; an outsized kid is no real key's, and goes no further.
            guard keyID.utf8.count <= Self.maximumKeyIDLength else {
                throw AuthFailure(.unknownKey, "the token's key id names no key of its issuer")
            }
            return .unknownKey(issuer: issuer.issuer, keyID: keyID)
        }
        guard !candidates.isEmpty else {
            throw AuthFailure(.unknownKey, "no keys of the token's issuer are loaded")
        }
        let able = candidates.filter { $0.verifiers[header.algorithm] != nil }
        guard !able.isEmpty else {
            throw AuthFailure(.wrongAlgorithm, "no key of the token's issuer verifies the token's algorithm")
        }
        guard able.contains(where: { $0.verifies(compact.signature, signs: compact.signingInput, algorithm: header.algorithm) }) else {
            throw AuthFailure(.badSignature, "the token's signature does not verify")
        }
        let claims = try TokenClaims(compact.payload)
        try claims.checkTimes(now: now, leeway: leeway)
        try claims.checkAudience(issuer.audiences)
        return .verified(
            VerifiedToken(
                issuer: issuer.issuer,
                subject: claims.subject,
                tokenID: claims.tokenID,
                issuedAt: claims.issuedAt,
                expiresAt: claims.expiresAt,
                claims: Claims(compact.payload),
                fingerprint: Self.fingerprint(token)
            )
        )
    }

    /// The longest unknown `kid` reported as ``TokenVerification/unknownKey(issuer:keyID:)`` (which asks
    /// for a refetch and may be logged); a longer one is refused at once.
    static let maximumKeyIDLength = 256

    /// The lowercase hex SHA-256 of the token's signed part, `header.payload` (the token up to its last
    /// `.`). Not of the whole token: an ECDSA signature can be rewritten into another valid one (s → n−s)
    /// without the key, so a token revoked by a hash over its signature could come back under a new one.
    public static func fingerprint(_ token: Substring) -> String {
        let signed = token.utf8.lastIndex(of: UInt8(ascii: ".")).map { token[..<$0] } ?? token
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Array(signed.utf8)) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
