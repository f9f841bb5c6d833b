/// Which of a cluster's two listeners a client came in on.
public enum PostgresListenerRole: String, Sendable, Hashable, CaseIterable {
    /// Read-write: always the current primary.
    case primary
    /// Read-only: a replica under `max_replica_lag`, else the primary.
    case replicas
}
