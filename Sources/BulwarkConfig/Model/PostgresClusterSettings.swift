/// One cluster of the `postgres:` section: a set of PostgreSQL servers (one primary and its streaming
/// replicas, failed over by a cluster manager such as Patroni or repmgr) behind two role-aware listeners.
///
/// ```yaml
/// postgres:
///   main:
///     servers: ["10.0.0.1:5432", "10.0.0.2:5432", "10.0.0.3:5432"]
///     check: { user: monitor, password: "${PG_MONITOR_PASSWORD}", database: postgres, interval: 2s, timeout: 1s }
///     listen:
///       primary: "127.0.0.1:6432"     # read-write: always the current primary
///       replicas: "127.0.0.1:6433"    # read-only: a replica under max_replica_lag, else the primary
///     max_replica_lag: 5s
///     max_server_connections: 100
///     queue_timeout: 5s
///     slow_query: { warning: 1s, error: 3s }
/// ```
///
/// The whole `postgres:` section is read at start; a reload that changes it is refused (restart to change it).
public struct PostgresClusterSettings: Sendable, Hashable {
    /// The defaults of a cluster's keys, in one place for decoding, docs and tests.
    public enum Defaults {
        /// `check.interval`: 2 s.
        public static let interval: Duration = .seconds(2)
        /// `check.timeout`: 1 s.
        public static let timeout: Duration = .seconds(1)
        /// `max_replica_lag`: 5 s.
        public static let maxReplicaLag: Duration = .seconds(5)
        /// `max_server_connections`: 100 per server.
        public static let maxServerConnections = 100
        /// `queue_timeout`: 5 s.
        public static let queueTimeout: Duration = .seconds(5)
        /// `slow_query.warning`: 1 s.
        public static let slowQueryWarning: Duration = .seconds(1)
        /// `slow_query.error`: 3 s.
        public static let slowQueryError: Duration = .seconds(3)
        /// `check.user`: `postgres`.
        public static let checkUser = "postgres"
        /// `check.database`: `postgres`.
        public static let checkDatabase = "postgres"
        /// The port of a server written without one: 5432.
        public static let serverPort = 5432
    }

    /// The cluster's name (the key under `postgres:`): in metrics labels, alerts and client errors.
    public var name: String
    /// `servers`: every server of the cluster, primary and replicas alike (at least one, no duplicates).
    /// Which one is primary is learnt from the checks, never from the order.
    public var servers: [PostgresServerAddress]
    /// `check`: how each server's role and lag are checked.
    public var check = PostgresCheckSettings()
    /// `listen`: where clients connect (at least one of `primary` and `replicas`).
    public var listen: PostgresListenSettings
    /// `max_replica_lag`: a replica further behind than this gets no new `replicas` connections.
    /// Defaults to ``Defaults/maxReplicaLag``.
    public var maxReplicaLag: Duration = Defaults.maxReplicaLag
    /// `max_server_connections`: client sessions relayed to one server at once (≥ 1); more wait.
    /// Defaults to ``Defaults/maxServerConnections``.
    public var maxServerConnections: Int = Defaults.maxServerConnections
    /// `queue_timeout`: how long a client waits for a free server connection before it gets an error.
    /// Defaults to ``Defaults/queueTimeout``.
    public var queueTimeout: Duration = Defaults.queueTimeout
    /// `slow_query`: the durations above which a query is logged and alerted on.
    public var slowQuery = SlowQuerySettings()

    /// A cluster with every default but its servers and listeners.
    public init(name: String, servers: [PostgresServerAddress], listen: PostgresListenSettings) {
        self.name = name
        self.servers = servers
        self.listen = listen
    }
}
