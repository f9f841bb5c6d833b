/// What a token that this gateway does not know to be revoked gets while the revocation store cannot
/// be reached (`auth.revocation.on_store_failure`). Tokens known to be revoked are refused either way.
public enum StoreFailurePolicy: String, Sendable, Hashable, CaseIterable {
    /// It passes (the default); `bulwark_auth_revocation_store_up` is 0 to alert on.
    case allow
    /// It is refused (``RevocationVerdict/unavailable``) until the list is loaded from the store again.
    case deny
}
