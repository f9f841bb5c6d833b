import CoreMetrics
import Synchronization

/// What the proxy measures, as swift-metrics (to whatever factory it was given):
///
/// | metric | dimensions |
/// | --- | --- |
/// | `bulwark_postgres_query_duration_seconds` (timer) | cluster, database (at most 100, then `other`) |
/// | `bulwark_postgres_slow_queries_total` | cluster, database, level |
/// | `bulwark_postgres_client_connections` (gauge) | cluster, listener |
/// | `bulwark_postgres_server_connections` (gauge) | cluster, server |
/// | `bulwark_postgres_server_up` (gauge) | cluster, server |
/// | `bulwark_postgres_replica_lag_seconds` (gauge) | cluster, server |
/// | `bulwark_postgres_primary` (gauge, 1 for the chosen primary) | cluster, server |
/// | `bulwark_postgres_queued_total`, `bulwark_postgres_queue_timeouts_total` | cluster |
/// | `bulwark_postgres_sessions_total` | cluster, listener, application (at most 50 names, then `other`) |
final class PostgresTelemetry: Sendable {
    static let maximumApplications = 50
    /// Databases with a query-duration series of their own; later ones share `other`.
    static let maximumDatabases = 100

    private let factory: any MetricsFactory
    private struct Counts {
        var clients: [String: Int] = [:]
        var servers: [String: Int] = [:]
        var timers: [String: CoreMetrics.Timer] = [:]
        var applications: Set<String> = []
    }
    private let counts = Mutex(Counts())

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// The query-duration timer of `database` in `cluster` (one per pair, made once): a session looks it up
    /// when it starts, so that timing a query takes no lock here.
    func queryTimer(cluster: String, database: String) -> CoreMetrics.Timer {
        let key = "\(cluster)|\(database)"
        return counts.withLock { counts in
            if let timer = counts.timers[key] { return timer }
            let overflow = "\(cluster)|"
            if counts.timers.count >= Self.maximumDatabases, let other = counts.timers[overflow] { return other }
            let label = counts.timers.count >= Self.maximumDatabases ? "other" : database
            let timer = CoreMetrics.Timer(label: "bulwark_postgres_query_duration_seconds", dimensions: [("cluster", cluster), ("database", label)], factory: factory)
            if label == "other" {
                counts.timers[overflow] = timer
                return timer
            }
            counts.timers[key] = timer
            return timer
        }
    }

    func slowQuery(cluster: String, database: String, level: String) {
        Counter(label: "bulwark_postgres_slow_queries_total", dimensions: [("cluster", cluster), ("database", database), ("level", level)], factory: factory).increment()
    }

    func sessionOpened(cluster: String, listener: PostgresListenerRole, server: String) {
        adjust(cluster: cluster, listener: listener, server: server, by: 1)
    }

    func sessionClosed(cluster: String, listener: PostgresListenerRole, server: String) {
        adjust(cluster: cluster, listener: listener, server: server, by: -1)
    }

    func sessionStarted(cluster: String, listener: PostgresListenerRole, application: String?) {
        let name = counts.withLock { counts in
            let name = application ?? ""
            if counts.applications.contains(name) { return name }
            guard counts.applications.count < Self.maximumApplications else { return "other" }
            counts.applications.insert(name)
            return name
        }
        Counter(label: "bulwark_postgres_sessions_total", dimensions: [("cluster", cluster), ("listener", listener.rawValue), ("application", name)], factory: factory).increment()
    }

    func queued(cluster: String) {
        Counter(label: "bulwark_postgres_queued_total", dimensions: [("cluster", cluster)], factory: factory).increment()
    }

    func queueTimedOut(cluster: String) {
        Counter(label: "bulwark_postgres_queue_timeouts_total", dimensions: [("cluster", cluster)], factory: factory).increment()
    }

    func recordTopology(cluster: String, servers: [ServerState], primary: PrimaryChoice) {
        for server in servers {
            let dimensions = [("cluster", cluster), ("server", server.address)]
            Gauge(label: "bulwark_postgres_server_up", dimensions: dimensions, factory: factory).record(server.healthy ? 1 : 0)
            Gauge(label: "bulwark_postgres_primary", dimensions: dimensions, factory: factory).record(primary == .server(server.address) ? 1 : 0)
            if server.role == .replica, let lag = server.lagSeconds {
                Gauge(label: "bulwark_postgres_replica_lag_seconds", dimensions: dimensions, factory: factory).record(lag)
            }
        }
    }

    private func adjust(cluster: String, listener: PostgresListenerRole, server: String, by delta: Int) {
        let clientKey = "\(cluster)|\(listener.rawValue)", serverKey = "\(cluster)|\(server)"
        let (clients, servers) = counts.withLock { counts in
            counts.clients[clientKey, default: 0] += delta
            counts.servers[serverKey, default: 0] += delta
            return (counts.clients[clientKey]!, counts.servers[serverKey]!)
        }
        Gauge(label: "bulwark_postgres_client_connections", dimensions: [("cluster", cluster), ("listener", listener.rawValue)], factory: factory).record(clients)
        Gauge(label: "bulwark_postgres_server_connections", dimensions: [("cluster", cluster), ("server", server)], factory: factory).record(servers)
    }
}
