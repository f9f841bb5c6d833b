/// The answer of ``TokenRevocation/check(_:)`` for one verified token.
public enum RevocationVerdict: Sendable, Hashable {
    /// Not revoked as far as this gateway knows: let it through.
    case allowed
    /// Revoked: answer 401 with ``AuthFailure/Reason/revoked``.
    case revoked
    /// The store cannot be reached, the policy is ``StoreFailurePolicy/deny`` and the token is not known to
    /// be revoked: answer 401 with ``AuthFailure/Reason/revocationUnavailable``.
    case unavailable

    /// The verdict for a token: a known revocation always wins; otherwise an unsynchronised list refuses
    /// under ``StoreFailurePolicy/deny`` only.
    /// - Parameters:
    ///   - knownRevoked: whether the local list holds the token.
    ///   - synchronized: whether the list is loaded and the store reachable.
    ///   - policy: what to do otherwise.
    public static func decide(knownRevoked: Bool, synchronized: Bool, policy: StoreFailurePolicy) -> RevocationVerdict {
        if knownRevoked { return .revoked }
        if !synchronized, policy == .deny { return .unavailable }
        return .allowed
    }
}
