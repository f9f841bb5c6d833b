import BulwarkPostgres
import BulwarkTestSupport
import Foundation
import PostgresNIO
import Testing

/// Failovers done by hand (`pg_ctl promote`) under a real proxy. Each test has its own pair: they end it.
@Suite(
    "PostgreSQL proxy failover (integration)", .serialized,
    .enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"),
    .timeLimit(.minutes(1))
)
struct FailoverIntegrationTests {
    @Test("killing the primary and promoting the replica moves the primary listener within about one interval, and writes succeed")
    func killAndPromote() async throws {
        let pair = try await PostgresReplicaPair.start()
        defer { pair.stop() }
        try await ProxyHarness.with(pair: pair) { proxy in
            #expect(try await proxy.psql("select inet_server_port()", port: proxy.primaryPort) == "\(pair.primaryPort)")
            try await proxy.psql("create table orders (id int)", port: proxy.primaryPort)
            try await pair.waitForReplay()

            try pair.killPrimary()
            try await poll("the primary listener refuses while no server is primary", within: .seconds(5)) {
                let result = try await Command.psql("select 1", port: proxy.primaryPort)
                return result.status != 0 && result.errors.contains("bulwark: no primary available for cluster 'main'")
            }
            try pair.promoteReplica()
            // Checks run every 200 ms: the promoted server is found in one round (plus psql's own start).
            let moved = try await poll("the primary listener reaches the promoted server", within: .seconds(10)) {
                try await proxy.psql("select inet_server_port()", port: proxy.primaryPort) == "\(pair.replicaPort)"
            }
            #expect(moved < .seconds(2), "the primary listener moved after \(moved)")

            try await proxy.psql("insert into orders values (1)", port: proxy.primaryPort)
            #expect(try pair.replica.psql("select count(*) from orders") == "1")
            // With no replica left, reads go to the one primary.
            #expect(try await proxy.psql("select pg_is_in_recovery(), inet_server_port()", port: proxy.replicasPort) == "f|\(pair.replicaPort)")

            let status = try proxy.status
            #expect(status.primary == pair.replica.address)
            #expect(status.servers.first { $0.address == pair.primary.address }?.healthy == false)
        }
    }

    @Test("two servers claiming primary: the primary listener refuses, sessions on the old one are closed; it routes again once one is gone")
    func twoPrimaries() async throws {
        let pair = try await PostgresReplicaPair.start()
        defer { pair.stop() }
        try await ProxyHarness.with(pair: pair) { proxy in
            // A session on the primary, mid-query when the replica is promoted beside it.
            let session = Task { try await Command.psql("select pg_sleep(20)", port: proxy.primaryPort) }
            try await poll("the session's query runs on the primary", within: .seconds(5)) {
                try pair.primary.psql("select count(*) from pg_stat_activity where query = 'select pg_sleep(20)'") == "1"
            }

            try pair.promoteReplica()
            // "bulwark: servers A and B both (or: all) claim primary for cluster 'main'; refusing connections until one steps down"
            let conflict = "claim primary for cluster 'main'; refusing connections until one steps down"
            var last = ""
            let refused = try await poll("the primary listener refuses with the split-brain error", within: .seconds(5)) {
                let result = try await Command.psql("select 1", port: proxy.primaryPort)
                last = "\(result.status) \(result.output) \(result.errors) \(try proxy.status)"
                return result.status != 0 && result.errors.contains(conflict)
                    && result.errors.contains(pair.primary.address) && result.errors.contains(pair.replica.address)
            } orElse: { last }
            #expect(refused < .seconds(2))
            #expect(Set(try proxy.status.conflict) == [pair.primary.address, pair.replica.address])
            #expect(try proxy.status.primary == nil)

            let closed = try await session.value
            #expect(closed.status != 0)
            // Told why (08006) before the close, so the application knows to reconnect.
            #expect(closed.errors.contains("bulwark: server \(pair.primary.address) is no longer the primary of cluster 'main'; reconnect"), "\(closed.errors)")

            try pair.killPrimary()
            try await poll("the primary listener reaches the one primary left", within: .seconds(5)) {
                try await proxy.psql("select inet_server_port()", port: proxy.primaryPort) == "\(pair.replicaPort)"
            }
            #expect(try proxy.status.conflict.isEmpty)
        }
    }
}
