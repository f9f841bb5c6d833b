import BulwarkPostgres
import Foundation
import PropertyBased
import Testing

/// Random rounds of random check results against a small reference model of the rules.
@Suite("Cluster topology properties", .timeLimit(.minutes(2)))
struct ClusterTopologyPropertyTests {
    static let servers = ["10.0.0.1:5432", "10.0.0.2:5432", "10.0.0.3:5432", "10.0.0.4:5432"]
    static let maxLag = 5.0
    static let wals: [WALPosition?] = [nil, WALPosition(100), WALPosition(200), WALPosition(300)]
    /// Replay ages: 5 is exactly `max_replica_lag` (fresh), 7 just over it.
    static let ages: [Double?] = [nil, 5, 7, 30]

    /// One round from 34 random bits: 8 per server (missing 25%, failed 25%, reachable 50%, of which a
    /// replica 75%; a WAL position and a replay age), then 2 bits for the reads made after it (0–3).
    static func round(_ bits: Int) -> (results: [String: ServerCheckResult], reads: Int) {
        var results: [String: ServerCheckResult] = [:]
        for (index, server) in servers.enumerated() {
            let field = (bits >> (index * 8)) & 0xFF
            switch field & 3 {
            case 0: continue
            case 1: results[server] = .failed("refused \(index)")
            default:
                let inRecovery = (field >> 2) & 3 != 0
                results[server] = .reachable(inRecovery: inRecovery, wal: wals[(field >> 4) & 3], replayAge: inRecovery ? ages[(field >> 6) & 3] : nil)
            }
        }
        return (results, (bits >> 32) & 3)
    }

    /// The rules, restated as plainly as possible.
    struct Reference {
        var last: [String: ServerCheckResult] = [:]
        var lag: [String: Double?] = [:]
        var primaryWAL: WALPosition?

        func healthy(_ server: String) -> Bool {
            if case .reachable = last[server] { return true }
            return false
        }

        func isPrimary(_ server: String) -> Bool {
            if case .reachable(false, _, _) = last[server] { return true }
            return false
        }

        func isReplica(_ server: String) -> Bool {
            if case .reachable(true, _, _) = last[server] { return true }
            return false
        }

        var claimants: [String] { ClusterTopologyPropertyTests.servers.filter(isPrimary) }

        func isFresh(_ server: String) -> Bool {
            guard isReplica(server), let lag = lag[server] ?? nil else { return false }
            return lag <= ClusterTopologyPropertyTests.maxLag
        }

        mutating func record(_ results: [String: ServerCheckResult]) {
            last.merge(results) { _, new in new }
            if claimants.count == 1, case .reachable(_, let wal?, _) = results[claimants[0]] { primaryWAL = wal }
            for (server, result) in results {
                switch result {
                case .failed: lag[server] = .some(nil)
                case .reachable(false, _, _): lag[server] = 0
                case .reachable(true, let replay, let age):
                    if let replay, let primaryWAL, replay >= primaryWAL { lag[server] = 0 } else { lag[server] = .some(age) }
                }
            }
        }
    }

    @Test("property: the choice, demotions, primary changes, lag and reads follow the rules in every round")
    func rounds() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...(1 << 34) - 1).array(of: 1...40)) { steps in
            var topology = ClusterTopology(cluster: "main", servers: Self.servers, maxReplicaLag: .seconds(5))
            var reference = Reference()
            var markedStale: Set<String> = []
            for (number, bits) in steps.enumerated() {
                let (results, reads) = Self.round(bits)
                let before = topology.primary
                let wasHealthy = Dictionary(uniqueKeysWithValues: Self.servers.map { ($0, reference.healthy($0)) })
                let changes = topology.record(results, now: Date(timeIntervalSince1970: Double(number)))
                reference.record(results)

                // `.server` only when exactly one healthy server is out of recovery; never two primaries.
                let claimants = reference.claimants
                let expected: PrimaryChoice = claimants.count == 1 ? .server(claimants[0]) : claimants.isEmpty ? .none : .conflict(claimants.sorted())
                #expect(topology.primary == expected)

                // `demoted` exactly when the previously chosen primary is no longer chosen.
                let demoted = changes.compactMap { change -> String? in if case .demoted(let server) = change { server } else { nil } }
                let lostPrimary = before.server.flatMap { topology.primary.server == $0 ? nil : $0 }
                #expect(demoted == (lostPrimary.map { [$0] } ?? []), "round \(number): \(changes)")

                // `primaryChanged` exactly when the chosen server changes, naming both sides.
                let switches = changes.filter { if case .primaryChanged = $0 { true } else { false } }
                let expectedSwitch: [TopologyChange] = before.server == topology.primary.server ? [] : [.primaryChanged(from: before.server, to: topology.primary.server)]
                #expect(switches == expectedSwitch)

                // `conflict` when a conflict starts or its set changes.
                let conflicts = changes.filter { if case .conflict = $0 { true } else { false } }
                if case .conflict(let set) = topology.primary, before != topology.primary {
                    #expect(conflicts == [.conflict(set)])
                } else {
                    #expect(conflicts.isEmpty)
                }

                // Servers up and down on every change of health (and on the first check).
                for server in Self.servers {
                    let up = changes.contains(.serverUp(server))
                    let down = changes.contains { if case .serverDown(server, _) = $0 { true } else { false } }
                    switch results[server] {
                    case .reachable: #expect(up == !(wasHealthy[server] ?? false) && !down)
                    case .failed: #expect(!up && down == (wasHealthy[server] == true || !Self.checkedBefore(server, steps.prefix(number))))
                    case nil: #expect(!up && !down)
                    }
                }

                // Lag as the reference computes it; stale and fresh marks follow the crossings.
                for state in topology.servers where reference.last[state.address] != nil {
                    #expect(state.healthy == reference.healthy(state.address))
                    #expect(state.lagSeconds == (reference.lag[state.address] ?? nil), "\(state.address) round \(number)")
                }
                for change in changes {
                    switch change {
                    case .replicaStale(let server, _): #expect(markedStale.insert(server).inserted, "stale twice: \(server)")
                    case .replicaFresh(let server): #expect(markedStale.remove(server) != nil, "fresh without stale: \(server)")
                    default: break
                    }
                }
                markedStale = markedStale.filter(reference.isReplica)
                for server in Self.servers where reference.isReplica(server) {
                    #expect(markedStale.contains(server) == !reference.isFresh(server), "\(server) round \(number)")
                }

                // Reads: a fresh healthy replica, round robin; else the single primary; else nil.
                let fresh = Self.servers.filter(reference.isFresh)
                var served: [String] = []
                for _ in 0..<max(reads, fresh.count) {
                    let read = topology.nextReadServer()
                    if fresh.isEmpty {
                        #expect(read == topology.primary.server)
                    } else {
                        #expect(read.map(fresh.contains) == true, "read \(String(describing: read)), fresh \(fresh)")
                        if let read { served.append(read) }
                    }
                }
                if !fresh.isEmpty { #expect(Set(served.prefix(fresh.count)).count == fresh.count, "round robin \(served) over \(fresh)") }
            }
        }
    }

    /// Whether `server` had a result in any of `earlier` rounds.
    static func checkedBefore(_ server: String, _ earlier: ArraySlice<Int>) -> Bool {
        earlier.contains { round($0).results[server] != nil }
    }
}
