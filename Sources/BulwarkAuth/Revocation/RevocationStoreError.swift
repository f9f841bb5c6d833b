/// ``TokenRevocation/revoke(_:origin:)`` could not write a revocation to the store. It is in force on this
/// gateway already, and this gateway writes it to the store (and announces it to the others) when the
/// store answers again, as long as it keeps running. The admin API answers 503 with ``description``.
public struct RevocationStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was revoked, shortened (``RevocationEntry/logLabel``): never a whole token id.
    public var entry: String
    /// Why the store refused, e.g. the Redis error.
    public var reason: String

    /// An error for `entry` (give ``RevocationEntry/logLabel``, not the id).
    public init(entry: String, reason: String) {
        self.entry = entry
        self.reason = reason
    }

    public var description: String {
        "the revocation of \(entry) is applied on this gateway only: the revocation store did not take it (\(reason)); "
            + "it is written there, and sent to the other gateways, when the store answers again"
    }
}
