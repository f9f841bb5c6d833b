import BulwarkPostgres
import BulwarkTestSupport
import Foundation
import PostgresNIO
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A primary that stops answering checks without failing over: its postmaster is stopped (SIGSTOP), so
/// new connections to it hang while the backends of open sessions, separate processes, go on working.
@Suite(
    "PostgreSQL proxy: a primary that only misses checks (integration)", .serialized,
    .enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"),
    .timeLimit(.minutes(1))
)
struct MissedCheckIntegrationTests {
    @Test("its open sessions are kept, new connections are refused meanwhile, and it is primary again once it answers")
    func missedChecksKeepSessions() async throws {
        let pair = try await PostgresReplicaPair.start()
        defer { pair.stop() }
        try await ProxyHarness.with(pair: pair) { proxy in
            let connection = try await proxy.connect(port: proxy.primaryPort)
            let pidText = try String(contentsOfFile: pair.primary.dataDirectory + "/postmaster.pid", encoding: .utf8)
            let postmaster = try #require(pidText.split(separator: "\n").first.flatMap { Int32($0) })
            do {
                #expect(try await Self.sum(connection) == 2)
                kill(postmaster, SIGSTOP)
                do {
                    try await poll("the stopped primary misses its checks", within: .seconds(5)) { try proxy.status.primary == nil }
                    // The session's backend is its own process: it still answers, and was not closed.
                    #expect(try await Self.sum(connection) == 2)
                    let refused = try await Command.psql("select 1", port: proxy.primaryPort)
                    #expect(refused.status != 0 && refused.errors.contains("bulwark: no primary available for cluster 'main'"), "\(refused.errors)")
                } catch {
                    kill(postmaster, SIGCONT)
                    throw error
                }
                kill(postmaster, SIGCONT)
                try await poll("the primary answers its checks again", within: .seconds(10)) { try proxy.status.primary == pair.primary.address }
                #expect(try await Self.sum(connection) == 2)
                #expect(try await proxy.psql("select inet_server_port()", port: proxy.primaryPort) == "\(pair.primaryPort)")
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        }
    }

    private static func sum(_ connection: PostgresConnection) async throws -> Int? {
        var values: [Int] = []
        for try await value in try await connection.query("select 1 + 1", logger: ProxyHarness.quietLogger).decode(Int.self) {
            values.append(value)
        }
        return values.first
    }
}
