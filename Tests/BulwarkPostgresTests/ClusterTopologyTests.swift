import BulwarkPostgres
import Foundation
import Testing

@Suite("Cluster topology: roles, failover, lag and reads")
struct ClusterTopologyTests {
    static let a = "10.0.0.1:5432", b = "10.0.0.2:5432", c = "10.0.0.3:5432"
    static let t0 = Date(timeIntervalSince1970: 1_000_000)

    static func primary(_ wal: String?) -> ServerCheckResult { .reachable(inRecovery: false, wal: wal.flatMap(WALPosition.init), replayAge: nil) }
    static func replica(_ wal: String?, age: Double?) -> ServerCheckResult { .reachable(inRecovery: true, wal: wal.flatMap(WALPosition.init), replayAge: age) }

    static func topology(_ servers: [String] = [a, b]) -> ClusterTopology {
        ClusterTopology(cluster: "main", servers: servers, maxReplicaLag: .seconds(5))
    }

    static func lag(_ topology: ClusterTopology, _ address: String) -> Double? {
        topology.servers.first { $0.address == address }?.lagSeconds
    }

    @Test("an idle primary: a replica whose replay reached the primary's WAL has lag 0, however old its last transaction")
    func idlePrimary() {
        var topology = Self.topology()
        let changes = topology.record([Self.a: Self.primary("0/3000060"), Self.b: Self.replica("0/3000060", age: 600)], now: Self.t0)
        #expect(topology.primary == .server(Self.a))
        #expect(Self.lag(topology, Self.b) == 0)
        #expect(Self.lag(topology, Self.a) == 0)
        #expect(topology.nextReadServer() == Self.b)
        #expect(changes == [.serverUp(Self.a), .serverUp(Self.b), .primaryChanged(from: nil, to: Self.a)])
    }

    @Test("a replica behind the primary's WAL has its replay age as lag; over the limit it is stale and reads go to the primary")
    func behind() {
        var topology = Self.topology()
        _ = topology.record([Self.a: Self.primary("0/3000060"), Self.b: Self.replica("0/3000000", age: 600)], now: Self.t0)
        #expect(Self.lag(topology, Self.b) == 600)
        #expect(topology.nextReadServer() == Self.a)
        // Replay catches up a little: still behind, but its last transaction is recent.
        let fresh = topology.record([Self.a: Self.primary("0/3000100"), Self.b: Self.replica("0/3000090", age: 1.5)], now: Self.t0 + 2)
        #expect(fresh == [.replicaFresh(Self.b)])
        #expect(Self.lag(topology, Self.b) == 1.5)
        #expect(topology.nextReadServer() == Self.b)
        // Exactly at the limit is still fresh; over it is stale again.
        _ = topology.record([Self.b: Self.replica("0/3000090", age: 5)], now: Self.t0 + 4)
        #expect(topology.nextReadServer() == Self.b)
        let stale = topology.record([Self.b: Self.replica("0/3000090", age: 5.001)], now: Self.t0 + 6)
        #expect(stale == [.replicaStale(Self.b, lagSeconds: 5.001)])
    }

    @Test("an unknown lag (no replay timestamp while behind) is stale, reported as infinity")
    func unknownLag() {
        var topology = Self.topology()
        let changes = topology.record([Self.a: Self.primary("0/3000060"), Self.b: Self.replica("0/3000000", age: nil)], now: Self.t0)
        #expect(Self.lag(topology, Self.b) == nil)
        #expect(changes.contains(.replicaStale(Self.b, lagSeconds: .infinity)))
        #expect(topology.nextReadServer() == Self.a)
    }

    @Test("without a primary checked this round, lag is measured against the last primary WAL known")
    func lastKnownPrimaryWAL() {
        var topology = Self.topology([Self.a, Self.b, Self.c])
        _ = topology.record([Self.a: Self.primary("0/100"), Self.b: Self.replica("0/100", age: 0)], now: Self.t0)
        // The primary is not in this round (it keeps its state); the replica has reached its last WAL.
        _ = topology.record([Self.b: Self.replica("0/100", age: 99)], now: Self.t0 + 2)
        #expect(Self.lag(topology, Self.b) == 0)
        #expect(topology.servers[0].checkedAt == Self.t0)
        // The primary moves on; the replica follows two seconds behind.
        _ = topology.record([Self.a: Self.primary("0/300"), Self.b: Self.replica("0/200", age: 2)], now: Self.t0 + 4)
        #expect(Self.lag(topology, Self.b) == 2)
        // During a conflict the WAL is not taken from either claimant: the last one known (0/300) stays.
        _ = topology.record([Self.a: Self.primary("0/300"), Self.c: Self.primary("0/900"), Self.b: Self.replica("0/300", age: 7)], now: Self.t0 + 6)
        #expect(topology.primary == .conflict([Self.a, Self.c]))
        #expect(Self.lag(topology, Self.b) == 0)
    }

    @Test("failover: the old primary goes down, then the replica is promoted")
    func failover() {
        var topology = Self.topology()
        _ = topology.record([Self.a: Self.primary("0/100"), Self.b: Self.replica("0/100", age: 1)], now: Self.t0)
        let down = topology.record([Self.a: .failed("connection refused"), Self.b: Self.replica("0/100", age: 3)], now: Self.t0 + 2)
        #expect(down == [.serverDown(Self.a, reason: "connection refused"), .demoted(Self.a), .primaryChanged(from: Self.a, to: nil)])
        #expect(topology.primary == .none)
        #expect(topology.servers[0] == ServerState(address: Self.a, role: .unknown, healthy: false, lagSeconds: nil, lastError: "connection refused", checkedAt: Self.t0 + 2))
        // Reads still reach the caught-up replica.
        #expect(topology.nextReadServer() == Self.b)
        // A second failure is not reported again.
        #expect(topology.record([Self.a: .failed("timeout")], now: Self.t0 + 4) == [])
        let promoted = topology.record([Self.a: .failed("timeout"), Self.b: Self.primary("0/200")], now: Self.t0 + 6)
        #expect(promoted == [.primaryChanged(from: nil, to: Self.b)])
        #expect(topology.primary == .server(Self.b))
        #expect(topology.nextReadServer() == Self.b)
        // The old primary comes back as a replica of the new one.
        let back = topology.record([Self.a: Self.replica("0/200", age: 0.2), Self.b: Self.primary("0/200")], now: Self.t0 + 8)
        #expect(back == [.serverUp(Self.a)])
        #expect(topology.nextReadServer() == Self.a)
    }

    @Test("two primaries: a conflict, the chosen one demoted, no primary until one steps down")
    func conflict() {
        var topology = Self.topology([Self.a, Self.b, Self.c])
        _ = topology.record([Self.a: Self.primary("0/100"), Self.b: Self.replica("0/100", age: 0), Self.c: Self.replica("0/100", age: 0)], now: Self.t0)
        let split = topology.record([Self.c: Self.primary("0/100")], now: Self.t0 + 2)
        #expect(split == [.demoted(Self.a), .primaryChanged(from: Self.a, to: nil), .conflict([Self.a, Self.c])])
        #expect(topology.primary == .conflict([Self.a, Self.c]))
        #expect(topology.nextReadServer() == Self.b)
        // Unchanged conflict: nothing new.
        #expect(topology.record([Self.a: Self.primary("0/100"), Self.c: Self.primary("0/100")], now: Self.t0 + 4) == [])
        let resolved = topology.record([Self.a: Self.replica("0/100", age: 0)], now: Self.t0 + 6)
        #expect(resolved == [.primaryChanged(from: nil, to: Self.c)])
        #expect(topology.primary == .server(Self.c))
    }

    @Test("reads go round robin over fresh replicas in configuration order; nothing healthy means nil")
    func roundRobin() {
        let d = "10.0.0.4:5432"
        var topology = Self.topology([Self.a, Self.b, Self.c, d])
        #expect(topology.nextReadServer() == nil)
        _ = topology.record([
            Self.a: Self.primary("0/100"), Self.b: Self.replica("0/100", age: 0), Self.c: Self.replica("0/50", age: 60), d: Self.replica("0/100", age: 0),
        ], now: Self.t0)
        #expect((0..<4).map { _ in topology.nextReadServer() } == [Self.b, d, Self.b, d])
        _ = topology.record([Self.c: Self.replica("0/100", age: 0)], now: Self.t0 + 2)
        #expect((0..<3).map { _ in topology.nextReadServer() } == [Self.b, Self.c, d])
        _ = topology.record([Self.a: .failed("x"), Self.b: .failed("x"), Self.c: .failed("x"), d: .failed("x")], now: Self.t0 + 4)
        #expect(topology.nextReadServer() == nil)
        #expect(topology.primary == .none)
    }

    @Test("first checks report every server up or down; unknown addresses are ignored")
    func firstChecks() {
        var topology = Self.topology([Self.a, Self.b, Self.a])
        #expect(topology.servers.map(\.address) == [Self.a, Self.b])
        let unchecked = topology.servers.allSatisfy { $0.role == .unknown && !$0.healthy && $0.checkedAt == nil }
        #expect(unchecked)
        let changes = topology.record([Self.a: .failed("password authentication failed"), Self.b: Self.replica(nil, age: nil), Self.c: Self.primary("0/1")], now: Self.t0)
        #expect(changes == [.serverDown(Self.a, reason: "password authentication failed"), .serverUp(Self.b), .replicaStale(Self.b, lagSeconds: .infinity)])
        #expect(topology.primary == .none)
        #expect(topology.nextReadServer() == nil)
    }
}
