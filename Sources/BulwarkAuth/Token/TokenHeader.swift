/// The JOSE header members verification reads (RFC 7515 §4.1), checked.
struct TokenHeader {
    /// `alg`, never `none`.
    var algorithm: String
    /// `kid`, when present.
    var keyID: String?

    /// Reads `alg` and `kid`; throws `malformed` for a missing or non-string `alg`, a non-string `kid`,
    /// or `crit`/`b64` (no extension is understood, RFC 7515 §4.1.11, RFC 7797), and `wrongAlgorithm` for
    /// `none`.
    init(_ members: [String: ClaimValue]) throws(AuthFailure) {
        guard case .string(let algorithm) = members["alg"] else {
            throw AuthFailure(.malformed, "the token's header has no \"alg\" string")
        }
        if algorithm.lowercased() == "none" {
            throw AuthFailure(.wrongAlgorithm, "unsigned tokens (alg \"none\") are never accepted")
        }
        if members["crit"] != nil {
            throw AuthFailure(.malformed, "the token's header lists critical extensions (\"crit\"), which are not supported")
        }
        if members["b64"] != nil {
            throw AuthFailure(.malformed, "the token's header has \"b64\"; unencoded payloads are not supported")
        }
        switch members["kid"] {
        case nil: keyID = nil
        case .string(let keyID): self.keyID = keyID
        default: throw AuthFailure(.malformed, "the token's header has a \"kid\" that is not a string")
        }
        self.algorithm = algorithm
    }
}
