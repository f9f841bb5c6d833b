import Foundation
import Resilience

/// Which server of a cluster is primary, which replicas are fresh enough to read from, and what changed:
/// check rounds in, routing decisions and ``TopologyChange``s out. Pure: no I/O, no clock (each round
/// carries its `now`).
///
/// - A server is primary when its last check succeeded and found it not in recovery. Exactly one →
///   ``PrimaryChoice/server(_:)``; none → ``PrimaryChoice/none``; two or more →
///   ``PrimaryChoice/conflict(_:)``, and the `primary` listener refuses rather than guess.
/// - A replica's lag is 0 when its replay position has reached the primary's current WAL position (from
///   the same round when the single primary was checked in it, else the last one known), else the age
///   of its last replayed transaction; unknown counts as stale.
/// - Reads go round robin to healthy replicas with lag ≤ `max_replica_lag`, else to the single primary.
///
/// ```swift
/// var topology = ClusterTopology(cluster: "main", servers: ["10.0.0.1:5432", "10.0.0.2:5432"], maxReplicaLag: .seconds(5))
/// let changes = topology.record([
///     "10.0.0.1:5432": .reachable(inRecovery: false, wal: WALPosition("0/3000060"), replayAge: nil),
///     "10.0.0.2:5432": .reachable(inRecovery: true, wal: WALPosition("0/3000060"), replayAge: 600),
/// ], now: Date())
/// topology.primary            // .server("10.0.0.1:5432")
/// topology.nextReadServer()   // "10.0.0.2:5432": caught up, however old its last transaction
/// ```
public struct ClusterTopology: Sendable {
    /// The cluster's name.
    public let cluster: String
    /// `max_replica_lag` in seconds.
    let maxReplicaLag: Double
    /// Every server, in configuration order.
    private var states: [ServerState]
    /// Each server's index in ``states``.
    private let indices: [String: Int]
    /// Replicas marked stale (a `replicaStale` was emitted and no `replicaFresh` since).
    private var stale: Set<String> = []
    /// The chosen primary's WAL position from the last round that checked it.
    private var primaryWAL: WALPosition?
    /// The index of the server ``nextReadServer()`` returned last.
    private var lastRead: Int?

    /// Where the `primary` listener sends new connections.
    public private(set) var primary: PrimaryChoice = .none

    /// A cluster of `servers` (`host:port`, in configuration order; a repeated address counts once), none
    /// checked yet.
    public init(cluster: String, servers: [String], maxReplicaLag: Duration) {
        self.cluster = cluster
        var indices: [String: Int] = [:]
        var states: [ServerState] = []
        for address in servers where indices[address] == nil {
            indices[address] = states.count
            states.append(ServerState(address: address))
        }
        self.indices = indices
        self.states = states
        self.maxReplicaLag = maxReplicaLag.secondsDouble
    }

    /// Every server, in configuration order.
    public var servers: [ServerState] { states }

    /// Records one round at `now`: every server's result (a server missing from `results` keeps its
    /// state; an address not in the cluster is ignored). Returns what changed, in this order: servers
    /// down and up (configuration order), the primary demoted, the primary changed, a conflict, replicas
    /// stale and fresh.
    public mutating func record(_ results: [String: ServerCheckResult], now: Date) -> [TopologyChange] {
        var changes: [TopologyChange] = []
        var checked: [Int: (wal: WALPosition?, replayAge: Double?)] = [:]
        for (index, state) in states.enumerated() {
            guard let result = results[state.address] else { continue }
            let wasChecked = state.checkedAt != nil
            switch result {
            case .reachable(let inRecovery, let wal, let replayAge):
                if !state.healthy { changes.append(.serverUp(state.address)) }
                states[index] = ServerState(address: state.address, role: inRecovery ? .replica : .primary, healthy: true, checkedAt: now)
                checked[index] = (wal, replayAge)
            case .failed(let reason):
                if state.healthy || !wasChecked { changes.append(.serverDown(state.address, reason: reason)) }
                states[index] = ServerState(address: state.address, role: .unknown, healthy: false, lastError: reason, checkedAt: now)
            }
        }
        changes += choosePrimary()
        updatePrimaryWAL(checked)
        changes += updateLag(checked)
        return changes
    }

    /// The server for a new `replicas` connection: the next healthy replica with known lag ≤
    /// `max_replica_lag` after the one returned last (round robin, configuration order), else the primary
    /// when there is exactly one, else nil.
    public mutating func nextReadServer() -> String? {
        let fresh = states.indices.filter { isFreshReplica(states[$0]) }
        guard let first = fresh.first else { return primary.server }
        let next = lastRead.flatMap { last in fresh.first { $0 > last } } ?? first
        lastRead = next
        return states[next].address
    }

    /// Whether `state` is a healthy replica whose known lag is within `max_replica_lag`.
    func isFreshReplica(_ state: ServerState) -> Bool {
        guard state.healthy, state.role == .replica, let lag = state.lagSeconds else { return false }
        return lag <= maxReplicaLag
    }

    /// Chooses the primary from the servers' states; the changes of choice.
    private mutating func choosePrimary() -> [TopologyChange] {
        let claiming = states.filter { $0.healthy && $0.role == .primary }.map(\.address)
        let choice: PrimaryChoice = switch claiming.count {
        case 0: .none
        case 1: .server(claiming[0])
        default: .conflict(claiming.sorted())
        }
        let previous = primary
        primary = choice
        guard choice != previous else { return [] }
        var changes: [TopologyChange] = []
        if let old = previous.server { changes.append(.demoted(old)) }
        if previous.server != choice.server { changes.append(.primaryChanged(from: previous.server, to: choice.server)) }
        if case .conflict(let servers) = choice { changes.append(.conflict(servers)) }
        return changes
    }

    /// Keeps the single primary's WAL position when this round checked it and it reported one.
    private mutating func updatePrimaryWAL(_ checked: [Int: (wal: WALPosition?, replayAge: Double?)]) {
        guard let address = primary.server, let index = indices[address], let wal = checked[index]?.wal else { return }
        primaryWAL = wal
    }

    /// Sets the lag of every server checked this round, and marks replicas stale or fresh.
    private mutating func updateLag(_ checked: [Int: (wal: WALPosition?, replayAge: Double?)]) -> [TopologyChange] {
        for (index, reading) in checked {
            states[index].lagSeconds = states[index].role == .primary ? 0 : Self.lag(replay: reading.wal, primary: primaryWAL, replayAge: reading.replayAge)
        }
        var changes: [TopologyChange] = []
        for state in states {
            let isReplica = state.healthy && state.role == .replica
            let isStale = stale.contains(state.address)
            if !isReplica {
                stale.remove(state.address)
            } else if !isFreshReplica(state), !isStale {
                stale.insert(state.address)
                changes.append(.replicaStale(state.address, lagSeconds: state.lagSeconds ?? .infinity))
            } else if isFreshReplica(state), isStale {
                stale.remove(state.address)
                changes.append(.replicaFresh(state.address))
            }
        }
        return changes
    }

    /// A replica's lag: 0 when `replay` has reached `primary`, else `replayAge` (never below 0, as a
    /// replica's clock may run ahead); nil when neither tells.
    static func lag(replay: WALPosition?, primary: WALPosition?, replayAge: Double?) -> Double? {
        if let replay, let primary, replay >= primary { return 0 }
        guard let replayAge, !replayAge.isNaN else { return nil }
        return max(0, replayAge)
    }
}
