import Foundation
import Resilience

extension ClusterRuntime {
    /// How many slow queries `/api/postgres` lists per cluster: the slowest of the recent ones.
    static let listedSlowQueries = 20

    /// The cluster as `/api/postgres` shows it.
    func status() -> PostgresClusterStatus {
        state.withLock { state in
            let primary: String?
            var conflict: [String] = []
            switch state.topology.primary {
            case .server(let address): primary = address
            case .none: primary = nil
            case .conflict(let servers):
                primary = nil
                conflict = servers
            }
            let servers = state.topology.servers.map { server in
                PostgresClusterStatus.Server(
                    address: server.address, role: server.role.rawValue,
                    lagSeconds: server.role == .primary ? 0 : server.lagSeconds, healthy: server.healthy,
                    connections: state.slots.inUse(server.address), waiting: state.slots.waiting(server.address),
                    lastError: server.lastError, checkedAt: server.checkedAt
                )
            }
            let slowest = state.slowLog.entries.sorted { $0.durationMS > $1.durationMS }.prefix(Self.listedSlowQueries)
            return PostgresClusterStatus(
                name: name, primary: primary, conflict: conflict, listeners: state.listeners,
                maxReplicaLagSeconds: settings.maxReplicaLag.secondsDouble,
                slowQueryWarningSeconds: settings.slowQuery.warning.secondsDouble,
                slowQueryErrorSeconds: settings.slowQuery.error.secondsDouble,
                queries: queryCount.load(ordering: .relaxed), servers: servers, slowQueries: Array(slowest)
            )
        }
    }
}
