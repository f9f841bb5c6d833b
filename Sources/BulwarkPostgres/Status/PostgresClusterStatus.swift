import Foundation

/// One `postgres:` cluster as `/api/postgres`, the alert rules and the dashboard see it.
///
/// Keys are snake_case: `name`, `primary`, `conflict`, `listeners`, `max_replica_lag_seconds`,
/// `slow_query_warning_seconds`, `slow_query_error_seconds`, `queries`, `servers`, `slow_queries`.
public struct PostgresClusterStatus: Sendable, Hashable, Codable {
    /// One server of the cluster, from its last check and the proxy's sessions.
    ///
    /// Keys: `address`, `role`, `lag_seconds`, `healthy`, `connections`, `waiting`, `last_error`, `checked_at`.
    public struct Server: Sendable, Hashable, Codable {
        /// `"host:port"`.
        public var address: String
        /// `"primary"`, `"replica"` or `"unknown"` (before the first check, or while it is down).
        public var role: String
        /// Replication lag in seconds (`lag_seconds`): 0 on the primary, nil when unknown.
        public var lagSeconds: Double?
        /// Whether its last check succeeded.
        public var healthy: Bool
        /// Client sessions attached to it now.
        public var connections: Int
        /// Clients queued for it (over `max_server_connections`).
        public var waiting: Int
        /// Why its last check failed (`last_error`), without secrets.
        public var lastError: String?
        /// When it was last checked (`checked_at`; ISO 8601 with fractional seconds, UTC).
        public var checkedAt: Date?

        /// A server's status.
        public init(
            address: String, role: String, lagSeconds: Double?, healthy: Bool, connections: Int, waiting: Int,
            lastError: String?, checkedAt: Date?
        ) {
            self.address = address
            self.role = role
            self.lagSeconds = lagSeconds
            self.healthy = healthy
            self.connections = connections
            self.waiting = waiting
            self.lastError = lastError
            self.checkedAt = checkedAt
        }

        enum CodingKeys: String, CodingKey {
            case address, role
            case lagSeconds = "lag_seconds"
            case healthy, connections, waiting
            case lastError = "last_error"
            case checkedAt = "checked_at"
        }

        /// Decodes the JSON form.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            address = try container.decode(String.self, forKey: .address)
            role = try container.decode(String.self, forKey: .role)
            lagSeconds = try container.decodeIfPresent(Double.self, forKey: .lagSeconds)
            healthy = try container.decode(Bool.self, forKey: .healthy)
            connections = try container.decode(Int.self, forKey: .connections)
            waiting = try container.decodeIfPresent(Int.self, forKey: .waiting) ?? 0
            lastError = try container.decodeIfPresent(String.self, forKey: .lastError)
            checkedAt = try PostgresStatusDate.decode(forKey: .checkedAt, in: container)
        }

        /// Encodes the JSON form (absent values as null).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(address, forKey: .address)
            try container.encode(role, forKey: .role)
            try container.encode(lagSeconds, forKey: .lagSeconds)
            try container.encode(healthy, forKey: .healthy)
            try container.encode(connections, forKey: .connections)
            try container.encode(waiting, forKey: .waiting)
            try container.encode(lastError, forKey: .lastError)
            try PostgresStatusDate.encode(checkedAt, forKey: .checkedAt, in: &container)
        }
    }

    /// The cluster's name (its key under `postgres:`).
    public var name: String
    /// The server the `primary` listener sends new connections to now; nil when none (or in conflict).
    public var primary: String?
    /// The servers claiming primary at once; two or more means the `primary` listener refuses connections.
    public var conflict: [String]
    /// `"primary"` / `"replicas"` → the bound `"host:port"` (the real port when configured as 0).
    public var listeners: [String: String]
    /// `max_replica_lag` in seconds (`max_replica_lag_seconds`).
    public var maxReplicaLagSeconds: Double
    /// `slow_query.warning` in seconds (`slow_query_warning_seconds`).
    public var slowQueryWarningSeconds: Double
    /// `slow_query.error` in seconds (`slow_query_error_seconds`).
    public var slowQueryErrorSeconds: Double
    /// Queries timed so far.
    public var queries: Int
    /// The servers, in configuration order.
    public var servers: [Server]
    /// Recent slow queries, the slowest first, at most 20 (`slow_queries`).
    public var slowQueries: [PostgresSlowQuery]

    /// A cluster's status.
    public init(
        name: String, primary: String?, conflict: [String], listeners: [String: String], maxReplicaLagSeconds: Double,
        slowQueryWarningSeconds: Double, slowQueryErrorSeconds: Double, queries: Int, servers: [Server],
        slowQueries: [PostgresSlowQuery]
    ) {
        self.name = name
        self.primary = primary
        self.conflict = conflict
        self.listeners = listeners
        self.maxReplicaLagSeconds = maxReplicaLagSeconds
        self.slowQueryWarningSeconds = slowQueryWarningSeconds
        self.slowQueryErrorSeconds = slowQueryErrorSeconds
        self.queries = queries
        self.servers = servers
        self.slowQueries = slowQueries
    }

    enum CodingKeys: String, CodingKey {
        case name, primary, conflict, listeners
        case maxReplicaLagSeconds = "max_replica_lag_seconds"
        case slowQueryWarningSeconds = "slow_query_warning_seconds"
        case slowQueryErrorSeconds = "slow_query_error_seconds"
        case queries, servers
        case slowQueries = "slow_queries"
    }

    /// Encodes the JSON form (`primary` as null when there is none).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(primary, forKey: .primary)
        try container.encode(conflict, forKey: .conflict)
        try container.encode(listeners, forKey: .listeners)
        try container.encode(maxReplicaLagSeconds, forKey: .maxReplicaLagSeconds)
        try container.encode(slowQueryWarningSeconds, forKey: .slowQueryWarningSeconds)
        try container.encode(slowQueryErrorSeconds, forKey: .slowQueryErrorSeconds)
        try container.encode(queries, forKey: .queries)
        try container.encode(servers, forKey: .servers)
        try container.encode(slowQueries, forKey: .slowQueries)
    }
}
