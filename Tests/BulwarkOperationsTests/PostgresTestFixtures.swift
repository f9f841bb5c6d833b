import BulwarkPostgres
import Foundation
import Synchronization

/// Cluster statuses built by hand for the PostgreSQL operations tests, and a status source that
/// answers them (standing in for the proxy).
enum PostgresFixtures {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func server(
        _ address: String, _ role: String, lag: Double? = 0, healthy: Bool = true, connections: Int = 0, waiting: Int = 0,
        error: String? = nil, checked: Bool = true
    ) -> PostgresClusterStatus.Server {
        .init(address: address, role: role, lagSeconds: lag, healthy: healthy, connections: connections, waiting: waiting, lastError: error, checkedAt: checked ? t0 : nil)
    }

    static func query(_ ms: Double, database: String = "app", at: Date = t0, level: String = "warning", statement: String = "select * from orders where id = ?") -> PostgresSlowQuery {
        .init(durationMS: ms, database: database, user: "web", applicationName: "shop", statement: statement, at: at, level: level)
    }

    /// Cluster `main`: a primary and a replica unless `servers` says otherwise.
    static func cluster(
        _ name: String = "main", primary: String? = "10.0.0.1:5432", conflict: [String] = [],
        servers: [PostgresClusterStatus.Server]? = nil, slowQueries: [PostgresSlowQuery] = []
    ) -> PostgresClusterStatus {
        .init(
            name: name, primary: primary, conflict: conflict, listeners: ["primary": "127.0.0.1:6432", "replicas": "127.0.0.1:6433"],
            maxReplicaLagSeconds: 5, slowQueryWarningSeconds: 1, slowQueryErrorSeconds: 3, queries: 42,
            servers: servers ?? [server("10.0.0.1:5432", "primary", connections: 12), server("10.0.0.2:5432", "replica", lag: 0.4, connections: 3)],
            slowQueries: slowQueries
        )
    }
}

/// A ``PostgresStatusSource`` answering whatever the test last set.
final class FixedPostgresStatus: PostgresStatusSource {
    private let value: Mutex<[PostgresClusterStatus]>

    init(_ clusters: [PostgresClusterStatus]) { value = Mutex(clusters) }

    func set(_ clusters: [PostgresClusterStatus]) { value.withLock { $0 = clusters } }

    func status(now: Date) -> PostgresStatus { PostgresStatus(clusters: value.withLock { $0 }) }
}
