/// Why a request's bearer token was refused. Each reason has an RFC 6750 error code and a description
/// that never holds the token or any part of it.
public struct AuthFailure: Sendable, Hashable, Error, CustomStringConvertible {
    /// The reasons a token is refused.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// No `Authorization: Bearer …` on a route that requires one.
        case missing = "missing_token"
        /// Not three base64url parts, or a header or payload that is not a JSON object.
        case malformed = "malformed_token"
        /// `exp` (plus leeway) has passed.
        case expired = "token_expired"
        /// `nbf` (minus leeway) is still ahead, or `iat` is in the future.
        case notYetValid = "token_not_yet_valid"
        /// `iss` is missing or not a configured issuer.
        case wrongIssuer = "wrong_issuer"
        /// `aud` names none of the issuer's audiences.
        case wrongAudience = "wrong_audience"
        /// `alg` is `none`, or not one the issuer accepts.
        case wrongAlgorithm = "wrong_algorithm"
        /// The signature does not verify with the key named (or any key, without `kid`).
        case badSignature = "bad_signature"
        /// `kid` names no key of the issuer's key set, even after fetching it again.
        case unknownKey = "unknown_key"
        /// The token is on the revocation list.
        case revoked = "token_revoked"
        /// The revocation list cannot be reached and `auth.revocation.on_store_failure` is `deny`.
        case revocationUnavailable = "revocation_unavailable"
        /// A claim to forward holds a line break (CR or LF).
        case unsafeClaim = "unsafe_claim"
    }

    /// Why.
    public var reason: Reason
    /// A sentence for the client and the log; it never quotes the token.
    public var detail: String

    /// A failure.
    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// The RFC 6750 §3.1 error code: `invalid_request` for a missing token, `invalid_token` otherwise.
    public var errorCode: String { reason == .missing ? "invalid_request" : "invalid_token" }

    /// The `WWW-Authenticate` value of the 401 (RFC 6750 §3), e.g.
    /// `Bearer realm="bulwark", error="invalid_token", error_description="the token has expired"`.
    public func challenge(realm: String = "bulwark") -> String {
        "Bearer realm=\(Self.quoted(realm)), error=\(Self.quoted(errorCode)), error_description=\(Self.quoted(detail))"
    }

    public var description: String { "\(reason.rawValue): \(detail)" }

    /// A quoted-string (RFC 9110 §5.6.4) whose characters are limited to what RFC 6750 allows in
    /// `error_description` (%x20-21 / %x23-5B / %x5D-7E): `"` becomes `'`, `\\` `/`, typographic
    /// quotes, dashes and `…` their ASCII forms, anything else `?`.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"", "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}": out += "'"
            case "\\": out += "/"
            case "\u{2013}", "\u{2014}", "\u{2212}": out += "-"
            case "\u{2026}": out += "..."
            case " "..."~": out.unicodeScalars.append(scalar)
            default: out += "?"
            }
        }
        return out + "\""
    }
}
