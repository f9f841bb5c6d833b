/// The registered claims verification reads (RFC 7519 §4.1), with their types checked.
struct TokenClaims {
    var subject: String?
    var tokenID: String?
    var issuedAt: Double?
    var expiresAt: Double?
    var notBefore: Double?
    /// `aud` as a list; nil when absent.
    var audiences: [String]?

    /// Reads the claims; throws `malformed` when `exp`, `nbf` or `iat` is not a number, `aud` not a string
    /// or array of strings, or `sub`/`jti` not a string or number.
    init(_ payload: [String: ClaimValue]) throws(AuthFailure) {
        expiresAt = try Self.time(payload, "exp")
        notBefore = try Self.time(payload, "nbf")
        issuedAt = try Self.time(payload, "iat")
        subject = try Self.identifier(payload, "sub")
        tokenID = try Self.identifier(payload, "jti")
        switch payload["aud"] {
        case nil: audiences = nil
        case .string(let audience): audiences = [audience]
        case .array(let values):
            audiences = try values.map { (value: ClaimValue) throws(AuthFailure) -> String in
                guard case .string(let audience) = value else {
                    throw AuthFailure(.malformed, "the token's \"aud\" holds something other than strings")
                }
                return audience
            }
        default: throw AuthFailure(.malformed, "the token's \"aud\" is neither a string nor an array of strings")
        }
    }

    /// Checks `exp`, `nbf` and `iat` against `now`, allowing `leeway` seconds either way.
    func checkTimes(now: Double, leeway: Double) throws(AuthFailure) {
        if let expiresAt, !(expiresAt > now - leeway) {
            throw AuthFailure(.expired, "the token has expired")
        }
        if let notBefore, !(notBefore <= now + leeway) {
            throw AuthFailure(.notYetValid, "the token is not valid yet (nbf)")
        }
        if let issuedAt, issuedAt > now + leeway {
            throw AuthFailure(.notYetValid, "the token was issued in the future (iat)")
        }
    }

    /// Checks that `aud` names one of `accepted`; any `aud` (or none) passes when `accepted` is empty.
    func checkAudience(_ accepted: [String]) throws(AuthFailure) {
        guard !accepted.isEmpty else { return }
        guard let audiences, audiences.contains(where: accepted.contains) else {
            throw AuthFailure(.wrongAudience, "the token is not meant for this audience")
        }
    }

    private static func time(_ payload: [String: ClaimValue], _ name: String) throws(AuthFailure) -> Double? {
        switch payload[name] {
        case nil: return nil
        case .number(let seconds): return seconds
        default: throw AuthFailure(.malformed, "the token's \"\(name)\" is not a number")
        }
    }

    private static func identifier(_ payload: [String: ClaimValue], _ name: String) throws(AuthFailure) -> String? {
        switch payload[name] {
        case nil: return nil
        case .string(let text): return text
        case .number(let value): return ClaimValue.number(value).text
        default: throw AuthFailure(.malformed, "the token's \"\(name)\" is neither a string nor a number")
        }
    }
}
