/// Who asked for a revocation: the `source` label of `bulwark_auth_revocations_total` (revocations
/// received from other gateways count as `peer`).
public enum RevocationOrigin: String, Sendable, Hashable, CaseIterable {
    /// `POST /api/tokens/revoke` on the admin API.
    case admin
    /// A route's `revoke_on` request answered with a 2xx: the caller's own token.
    case logout
}
