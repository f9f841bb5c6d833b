import BulwarkConfig
import BulwarkPostgresWire
import Foundation
import Logging

extension ClusterRuntime {
    /// Records one check round and carries out what it changed: log lines for every change, and the
    /// `primary` listener's sessions on a server that is no longer primary are ended so their clients
    /// reconnect to the new one (see ``sessionsToEnd(_:primary:servers:)``).
    func recordRound(_ results: [String: ServerCheckResult], now: Date) {
        let (changes, ended, servers, primary): ([TopologyChange], [SessionHandle], [ServerState], PrimaryChoice) = state.withLock { state in
            let changes = state.topology.record(results, now: now)
            let servers = state.topology.servers, primary = state.topology.primary
            return (changes, Self.sessionsToEnd(Array(state.sessions.values), primary: primary, servers: servers), servers, primary)
        }
        telemetry.recordTopology(cluster: name, servers: servers, primary: primary)
        for change in changes { log(change) }
        for session in ended {
            session.terminate(PostgresErrorResponse(
                code: "08006", message: "bulwark: server \(session.server) is no longer the primary of cluster '\(name)'; reconnect"
            ))
        }
    }

    /// The `primary` listener's sessions that are on a server known not to be the primary any more: when
    /// another server is the primary, every session elsewhere; when two or more claim it, every session
    /// (refusing to guess which is right); when none is, the sessions on a server that now reports being
    /// in recovery. A server that merely missed a check keeps its sessions: if it is really gone they end
    /// by themselves, and if a failover follows they are ended then.
    static func sessionsToEnd(_ sessions: [SessionHandle], primary: PrimaryChoice, servers: [ServerState]) -> [SessionHandle] {
        let onPrimaryListener = sessions.filter { $0.listener == .primary }
        switch primary {
        case .server(let address):
            return onPrimaryListener.filter { $0.server != address }
        case .conflict:
            return onPrimaryListener
        case .none:
            let recovering = Set(servers.filter { $0.healthy && $0.role == .replica }.map(\.address))
            return onPrimaryListener.filter { recovering.contains($0.server) }
        }
    }

    private func log(_ change: TopologyChange) {
        var metadata: Logger.Metadata = ["cluster": "\(name)"]
        switch change {
        case .primaryChanged(let from, let to):
            metadata["from"] = "\(from ?? "none")"
            metadata["to"] = "\(to ?? "none")"
            if to == nil {
                logger.error("postgres: no primary: the primary listener refuses new connections", metadata: metadata)
            } else {
                logger.notice("postgres: primary is now \(to!)", metadata: metadata)
            }
        case .conflict(let servers):
            metadata["servers"] = "\(servers.joined(separator: ","))"
            logger.critical("postgres: \(servers.count) servers claim primary: the primary listener refuses new connections until one steps down", metadata: metadata)
        case .demoted(let server):
            metadata["server"] = "\(server)"
            logger.warning("postgres: \(server) is no longer the chosen primary", metadata: metadata)
        case .serverDown(let server, let reason):
            metadata["server"] = "\(server)"
            metadata["reason"] = "\(reason)"
            logger.warning("postgres: server \(server) failed its check: \(reason)", metadata: metadata)
        case .serverUp(let server):
            metadata["server"] = "\(server)"
            logger.notice("postgres: server \(server) passes its check", metadata: metadata)
        case .replicaStale(let server, let lag):
            metadata["server"] = "\(server)"
            metadata["lag_seconds"] = "\(lag)"
            logger.warning("postgres: replica \(server) is \(lag) s behind (over max_replica_lag): reads go elsewhere", metadata: metadata)
        case .replicaFresh(let server):
            metadata["server"] = "\(server)"
            logger.notice("postgres: replica \(server) is back under max_replica_lag", metadata: metadata)
        }
    }
}
