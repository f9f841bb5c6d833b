import BulwarkPostgres
import Foundation

extension AlertRules {
    /// How long a slow query keeps `slow_query` open: 5 minutes after it finished.
    public static let slowQueryWindowSeconds: Double = 300

    /// The PostgreSQL proxy's rules, one set per `postgres:` cluster:
    ///
    /// - `postgres_no_primary` (`critical`, subject the cluster): after the first check, no healthy server
    ///   claims primary, so the `primary` listener refuses new connections (SQLSTATE 08006).
    /// - `postgres_split_brain` (`critical`, subject the cluster): two or more servers claim primary; the
    ///   `primary` listener refuses connections until one steps down.
    /// - `postgres_server_down` (`warning`, subject `cluster/host:port`): the server's last check failed.
    /// - `postgres_replica_lag` (`warning`, subject `cluster/host:port`): a healthy replica's lag is over
    ///   `max_replica_lag`; reads go elsewhere meanwhile.
    /// - `slow_query` (subject `cluster/database`): a query of that database took longer than
    ///   `slow_query.warning` within the last ``slowQueryWindowSeconds`` (by ``Observation/now``, never
    ///   the clock); `error` when one was over `slow_query.error`, else `warning`. Its value is the
    ///   slowest duration in milliseconds.
    public static func postgresConditions(for observation: Observation) -> [AlertCondition] {
        observation.postgres.flatMap { cluster in
            topologyConditions(for: cluster) + slowQueryConditions(for: cluster, now: observation.now)
        }
    }

    static func topologyConditions(for cluster: PostgresClusterStatus) -> [AlertCondition] {
        var conditions: [AlertCondition] = []
        let name = cluster.name
        if cluster.conflict.count >= 2 {
            conditions.append(AlertCondition(
                rule: "postgres_split_brain", subject: name, severity: .critical, value: Double(cluster.conflict.count),
                message: "servers \(cluster.conflict.joined(separator: " and ")) \(cluster.conflict.count == 2 ? "both" : "all") claim primary for cluster '\(name)': the primary listener refuses connections until one steps down"
            ))
        } else if cluster.primary == nil, cluster.hasBeenChecked {
            conditions.append(AlertCondition(
                rule: "postgres_no_primary", subject: name, severity: .critical, value: 0,
                message: "no healthy server is primary in cluster '\(name)': the primary listener refuses connections (Bulwark never promotes; the cluster manager must)"
            ))
        }
        for server in cluster.servers {
            let subject = "\(name)/\(server.address)"
            if !server.healthy, server.checkedAt != nil {
                conditions.append(AlertCondition(
                    rule: "postgres_server_down", subject: subject, severity: .warning, value: 1,
                    message: "server \(server.address) of cluster '\(name)' fails its check" + (server.lastError.map { ": \($0)" } ?? "")
                ))
            } else if server.healthy, server.role == "replica", let lag = server.lagSeconds, lag > cluster.maxReplicaLagSeconds {
                conditions.append(AlertCondition(
                    rule: "postgres_replica_lag", subject: subject, severity: .warning, value: lag,
                    message: "replica \(server.address) of cluster '\(name)' is \(seconds(lag)) behind (max_replica_lag \(seconds(cluster.maxReplicaLagSeconds))): reads go to other servers"
                ))
            }
        }
        return conditions
    }

    static func slowQueryConditions(for cluster: PostgresClusterStatus, now: Date) -> [AlertCondition] {
        cluster.recentSlowQueries(before: now, window: slowQueryWindowSeconds).compactMap { database, queries in
            guard let slowest = queries.first else { return nil }
            let severity: AlertSeverity = queries.contains(where: cluster.isError) ? .error : .warning
            let count = queries.count == 1 ? "1 slow query" : "\(queries.count) slow queries"
            return AlertCondition(
                rule: "slow_query", subject: "\(cluster.name)/\(database)", severity: severity, value: slowest.durationMS,
                message: "\(count) in database '\(database)' of cluster '\(cluster.name)' in the last 5 minutes; the slowest took \(seconds(slowest.durationMS / 1000)): \(slowest.statement)"
            )
        }
    }

    /// `1.24 s`, `0.35 s`, `12 s`.
    private static func seconds(_ value: Double) -> String {
        value >= 10 ? "\(Int(value.rounded())) s" : String(format: "%.2f s", value)
    }
}
