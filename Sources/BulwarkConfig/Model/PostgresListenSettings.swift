/// `postgres.NAME.listen`: the cluster's client listeners; at least one is set.
public struct PostgresListenSettings: Sendable, Hashable {
    /// `primary`: read-write sessions, always relayed to the current primary.
    public var primary: ListenAddress?
    /// `replicas`: read-only sessions, relayed to a replica under `max_replica_lag` (round robin), else
    /// to the primary.
    public var replicas: ListenAddress?

    /// Listeners at these addresses.
    public init(primary: ListenAddress? = nil, replicas: ListenAddress? = nil) {
        self.primary = primary
        self.replicas = replicas
    }
}
