/// What a check round changed, for the shell to act on (close sessions) and to log.
public enum TopologyChange: Sendable, Hashable {
    /// The chosen primary (``PrimaryChoice/server``) changed; nil stands for no single primary (none, or
    /// a conflict).
    case primaryChanged(from: String?, to: String?)
    /// Two or more servers claim primary (sorted addresses): emitted when a conflict starts or its set
    /// of servers changes.
    case conflict([String])
    /// A server that was the chosen primary and no longer is (down, in recovery, or in conflict): the
    /// shell closes the `primary` listener's client sessions attached to it.
    case demoted(String)
    /// A server's check failed, after it had passed (or on its first check).
    case serverDown(String, reason: String)
    /// A server's check passed, after it had failed (or on its first check).
    case serverUp(String)
    /// A healthy replica's lag went over `max_replica_lag` (or became unknown, reported as infinity): it
    /// gets no new `replicas` connections.
    case replicaStale(String, lagSeconds: Double)
    /// A stale replica's lag is back under `max_replica_lag`.
    case replicaFresh(String)
}
