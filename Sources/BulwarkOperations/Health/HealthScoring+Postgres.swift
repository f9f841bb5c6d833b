import BulwarkPostgres
import Foundation

extension HealthScoring {
    /// One `postgres` check per `postgres:` cluster, named `postgres/<cluster>`:
    ///
    /// | state | check |
    /// | --- | --- |
    /// | a primary, every server up, no replica over `max_replica_lag` (or not checked yet) | `healthy` |
    /// | a primary, but a server is down or a replica lags | `degraded` |
    /// | no primary, or two servers claim it: the `primary` listener refuses connections | `unhealthy` |
    ///
    /// The check is never critical: the instance is `DEGRADED`, never `UNHEALTHY`, and readiness does
    /// not change (the HTTP gateway still serves; the database is the cluster manager's to fix).
    public static func postgresChecks(for observation: Observation) -> [HealthReport.Check] {
        observation.postgres.map { cluster in
            let name = "postgres/\(cluster.name)"
            func check(_ status: HealthReport.CheckStatus, _ message: String) -> HealthReport.Check {
                .init(name: name, kind: "postgres", status: status, latencyMs: nil, message: message)
            }
            if cluster.conflict.count >= 2 {
                return check(.unhealthy, "servers \(cluster.conflict.joined(separator: " and ")) \(cluster.conflict.count == 2 ? "both" : "all") claim primary: the primary listener refuses connections")
            }
            guard cluster.hasBeenChecked else { return check(.healthy, "waiting for the first check") }
            guard let primary = cluster.primary else { return check(.unhealthy, "no primary: the primary listener refuses connections") }
            let down = cluster.servers.filter { !$0.healthy }.map(\.address)
            let lagging = cluster.servers.filter { server in
                server.healthy && server.role == "replica" && (server.lagSeconds ?? .infinity) > cluster.maxReplicaLagSeconds
            }.map(\.address)
            var problems: [String] = []
            if !down.isEmpty { problems.append("down: \(down.joined(separator: ", "))") }
            if !lagging.isEmpty { problems.append("lagging: \(lagging.joined(separator: ", "))") }
            if !problems.isEmpty { return check(.degraded, "primary \(primary); " + problems.joined(separator: "; ")) }
            let replicas = cluster.servers.filter { $0.role == "replica" }.count
            return check(.healthy, "primary \(primary), \(replicas) replica\(replicas == 1 ? "" : "s") within max_replica_lag")
        }
    }
}
