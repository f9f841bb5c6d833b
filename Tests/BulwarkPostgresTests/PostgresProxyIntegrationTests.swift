import BulwarkPostgres
import BulwarkTestSupport
import Foundation
import Logging
import PostgresNIO
import Testing

/// The proxy between real clients (psql, pgbench, PostgresNIO) and a real primary and streaming replica.
/// One pair serves the whole suite (started on first use, stopped when the process exits); each test runs
/// its own proxy over it and leaves the pair as it found it (replay running). Serialized: the tests share
/// the pair, and the lag test pauses its replay.
@Suite(
    "PostgreSQL proxy (integration)", .serialized,
    .enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"),
    .timeLimit(.minutes(1))
)
struct PostgresProxyIntegrationTests {
    @Test("replicas reads land on the replica, primary reads and writes on the primary")
    func routesByRole() async throws {
        let pair = try await SharedReplicaPair.shared.get()
        try await ProxyHarness.with(pair: pair) { proxy in
            #expect(try await proxy.psql("select pg_is_in_recovery(), inet_server_port()", port: proxy.replicasPort) == "t|\(pair.replicaPort)")
            #expect(try await proxy.psql("select pg_is_in_recovery(), inet_server_port()", port: proxy.primaryPort) == "f|\(pair.primaryPort)")

            try await proxy.psql("drop table if exists routed; create table routed (x int); insert into routed values (7)", port: proxy.primaryPort)
            try await pair.waitForReplay()
            #expect(try await proxy.psql("select sum(x) from routed", port: proxy.replicasPort) == "7")

            let status = try proxy.status
            #expect(status.primary == pair.primary.address)
            #expect(status.servers.map(\.role) == ["primary", "replica"])
            let allHealthy = status.servers.allSatisfy(\.healthy)
            #expect(allHealthy)
        }
    }

    @Test("a replica whose replay is paused while the primary takes writes loses its reads to the primary until it catches up")
    func lagMovesReads() async throws {
        let pair = try await SharedReplicaPair.shared.get()
        try await ProxyHarness.with(pair: pair) { proxy in
            #expect(try await proxy.psql("select pg_is_in_recovery()", port: proxy.replicasPort) == "t")
            try await pair.pauseReplay()
            do {
                try pair.primary.psql("create table if not exists lagging (at timestamptz)")
                // Writes keep coming for longer than max_replica_lag (1 s): reads move to the primary.
                try await poll("reads through replicas reach the primary", within: .seconds(15)) {
                    try pair.primary.psql("insert into lagging values (now())")
                    return try await proxy.psql("select pg_is_in_recovery()", port: proxy.replicasPort) == "f"
                }
                let replica = try #require(try proxy.status.servers.first { $0.address == pair.replica.address })
                #expect(replica.healthy)
                #expect((replica.lagSeconds ?? 0) > 1)
                // The primary listener never moved.
                #expect(try await proxy.psql("select inet_server_port()", port: proxy.primaryPort) == "\(pair.primaryPort)")
            } catch {
                try? pair.resumeReplay()
                throw error
            }
            try pair.resumeReplay()
            try await pair.waitForReplay()
            try await poll("reads through replicas come back to the replica", within: .seconds(10)) {
                try await proxy.psql("select pg_is_in_recovery()", port: proxy.replicasPort) == "t"
            }
            #expect(try proxy.status.servers.first { $0.address == pair.replica.address }?.lagSeconds == 0)
        }
    }

    @Test("psql's cancel (SIGINT) through the proxy stops pg_sleep(30)")
    func cancelThroughTheProxy() async throws {
        let pair = try await SharedReplicaPair.shared.get()
        try await ProxyHarness.with(pair: pair) { proxy in
            for port in [proxy.primaryPort, proxy.replicasPort] {
                let start = ContinuousClock.now
                // psql answers SIGINT with a CancelRequest on a new connection to the same host and port.
                let result = try await Command.psql("select pg_sleep(30)", port: port, timeoutSignal: ("INT", 2))
                let elapsed = ContinuousClock.now - start
                #expect(elapsed < .seconds(10), "psql ran \(elapsed)")
                #expect(result.errors.contains("canceling statement due to user request"), "\(result.errors)")
            }
        }
    }

    @Test("a query over slow_query.warning is logged with masked text and listed in status(); a fast one is not")
    func slowQuery() async throws {
        let pair = try await SharedReplicaPair.shared.get()
        try await ProxyHarness.with(pair: pair, extra: "    slow_query: { warning: 1s, error: 3s }") { proxy in
            try await proxy.psql("select 1", port: proxy.primaryPort)
            try await proxy.psql("select pg_sleep(1.2)", port: proxy.replicasPort)

            let status = try proxy.status
            #expect(status.queries >= 2)
            #expect(status.slowQueries.count == 1)
            let slow = try #require(status.slowQueries.first)
            #expect(slow.level == "warning")
            #expect(slow.durationMS >= 1_200 && slow.durationMS < 3_000)
            #expect(slow.statement == "select pg_sleep(?)")
            #expect(slow.database == "postgres")
            #expect(slow.user == "postgres")

            let lines = proxy.logs.entries.filter { $0.metadata["duration_ms"] != nil }
            #expect(lines.count == 1)
            let line = try #require(lines.first)
            #expect(line.level == .warning)
            #expect(line.metadata["statement"].map { "\($0)" } == "select pg_sleep(?)")
            #expect(line.metadata["cluster"].map { "\($0)" } == "main")
            #expect(line.metadata["database"].map { "\($0)" } == "postgres")
            #expect(line.metadata["user"].map { "\($0)" } == "postgres")
            let milliseconds = line.metadata["duration_ms"].flatMap { Double("\($0)") }
            #expect(milliseconds.map { $0 >= 1_200 } == true, "\(String(describing: line.metadata["duration_ms"]))")
        }
    }

    @Test("with max_server_connections 1, a second client waits queue_timeout and gets 53300; a waiter is served when the first leaves")
    func queueLimit() async throws {
        let pair = try await SharedReplicaPair.shared.get()
        try await ProxyHarness.with(pair: pair, extra: "    max_server_connections: 1\n    queue_timeout: 300ms") { proxy in
            let first = try await proxy.connect(port: proxy.primaryPort)
            do {
                let start = ContinuousClock.now
                let refusal = await #expect(throws: PSQLError.self) {
                    let second = try await proxy.connect(port: proxy.primaryPort)
                    try? await second.close()
                }
                let waited = ContinuousClock.now - start
                #expect(refusal?.serverInfo?[.sqlState] == "53300")
                let message = refusal?.serverInfo?[.message] ?? ""
                #expect(message.contains("bulwark: cluster 'main': all 1 connections to \(pair.primary.address) are in use"), "\(message)")
                #expect(message.contains("(max_server_connections)"), "\(message)")
                #expect(waited >= .milliseconds(250), "refused after \(waited)")
                #expect(try proxy.status.servers.first { $0.address == pair.primary.address }?.connections == 1)
            } catch {
                try? await first.close()
                throw error
            }

            // A waiter is granted the slot the first client frees within queue_timeout.
            let waiter = Task { try await proxy.connect(port: proxy.primaryPort) }
            try await poll("the waiter is queued", within: .seconds(5)) {
                try proxy.status.servers.first { $0.address == pair.primary.address }?.waiting == 1
            }
            try await first.close()
            let third = try await waiter.value
            let rows = try await collect(third.query("select 1", logger: ProxyHarness.quietLogger).decode(Int.self))
            #expect(rows == [1])
            try await third.close()
        }
    }

    @Test("psql, pgbench (init and a TPC-B-like run) and PostgresNIO with bound parameters all work through the proxy")
    func clientsWork() async throws {
        let pair = try await SharedReplicaPair.shared.get()
        try await ProxyHarness.with(pair: pair) { proxy in
            #expect(try await proxy.psql("select 40 + 2", port: proxy.primaryPort) == "42")

            let initialised = try await Command.pgbench(["-i", "-q", "-s", "1"], port: proxy.primaryPort)
            #expect(initialised.status == 0, "\(initialised.errors)")
            let run = try await Command.pgbench(["-n", "-c", "4", "-j", "2", "-t", "50"], port: proxy.primaryPort)
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.contains("number of transactions actually processed: 200/200"), "\(run.output)")
            try await pair.waitForReplay()
            let selectOnly = try await Command.pgbench(["-n", "-S", "-c", "4", "-j", "2", "-t", "50"], port: proxy.replicasPort)
            #expect(selectOnly.output.contains("number of transactions actually processed: 200/200"), "\(selectOnly.output)\(selectOnly.errors)")

            for (port, inRecovery) in [(proxy.primaryPort, false), (proxy.replicasPort, true)] {
                let connection = try await proxy.connect(port: port)
                do {
                    let answers = try await collect(connection.query("select pg_is_in_recovery(), \(41)::int + 1", logger: ProxyHarness.quietLogger).decode((Bool, Int).self))
                    #expect(answers.map(\.0) == [inRecovery])
                    #expect(answers.map(\.1) == [42])
                    // Extended protocol with a bound parameter, twice on one prepared statement.
                    for value in [1, 2] {
                        let bound = try await collect(connection.query("select count(*)::int from pgbench_branches where bid = \(value)", logger: ProxyHarness.quietLogger).decode(Int.self))
                        #expect(bound == [value == 1 ? 1 : 0])
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try await connection.close()
            }
            #expect(try proxy.status.queries > 400)
        }
    }
}

/// Every element of `sequence`.
private func collect<S: AsyncSequence>(_ sequence: S) async throws -> [S.Element] {
    var elements: [S.Element] = []
    for try await element in sequence { elements.append(element) }
    return elements
}
