/// The ports one cluster's listeners are bound to (the real ones when the configuration asked for port 0).
public struct PostgresListenerPorts: Sendable, Hashable {
    /// The `primary` (read-write) listener's port; nil when it is not configured.
    public var primary: Int?
    /// The `replicas` (read-only) listener's port; nil when it is not configured.
    public var replicas: Int?

    /// Ports as bound.
    public init(primary: Int?, replicas: Int?) {
        self.primary = primary
        self.replicas = replicas
    }
}
