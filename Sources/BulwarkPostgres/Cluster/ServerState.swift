import Foundation

/// What is known of one server of a cluster, from its last check.
public struct ServerState: Sendable, Hashable {
    /// `host:port`.
    public var address: String
    /// From the last successful check; `unknown` before any and while the server is down.
    public var role: ServerRole
    /// Whether the last check succeeded.
    public var healthy: Bool
    /// How far behind the primary a replica is, in seconds: 0 when its replay position has reached the
    /// primary's current WAL position (so an idle primary does not make it look stale), else the age of
    /// its last replayed transaction; nil when unknown (treated as stale) or when the server is down.
    /// Always 0 on a primary.
    public var lagSeconds: Double?
    /// Why the last check failed; nil after a successful one.
    public var lastError: String?
    /// When the last check finished; nil before the first.
    public var checkedAt: Date?

    /// A server not checked yet: role unknown, not healthy.
    public init(address: String, role: ServerRole = .unknown, healthy: Bool = false, lagSeconds: Double? = nil, lastError: String? = nil, checkedAt: Date? = nil) {
        self.address = address
        self.role = role
        self.healthy = healthy
        self.lagSeconds = lagSeconds
        self.lastError = lastError
        self.checkedAt = checkedAt
    }
}
