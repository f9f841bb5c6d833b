import BulwarkAuth
import BulwarkConfig

/// The request headers `auth.jwt.forward_claims` sets from a verified token. Those headers belong to
/// the gateway's trust boundary: whatever the client sent under their names is removed on every route,
/// and they are set only from a verified token's claims.
enum ForwardedClaimHeaders {
    /// The fields to add for `token`: one per configured header whose claim the token carries (as
    /// ``ClaimValue/text``; objects and `null` are left out). A value holding a control character other
    /// than tab (CR and LF above all: a header injection) refuses the request.
    static func fields(_ forwarded: [ForwardedClaim], token: VerifiedToken?) -> Result<[(name: String, value: String)], AuthFailure> {
        guard let token, !forwarded.isEmpty else { return .success([]) }
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(forwarded.count)
        for entry in forwarded {
            guard let value = token.claims[entry.claim]?.text else { continue }
            if value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
                return .failure(AuthFailure(.unsafeClaim, "claim '\(entry.claim)' holds a line break or control character and cannot be forwarded as \(entry.header)"))
            }
            fields.append((entry.header, value))
        }
        return .success(fields)
    }

    /// The names removed from every client request (`-` and `_` read alike, as CGI-style servers do).
    static func removedNames(_ forwarded: [ForwardedClaim]) -> RemovedHeaderNames {
        RemovedHeaderNames(forwarded.map(\.header))
    }
}
