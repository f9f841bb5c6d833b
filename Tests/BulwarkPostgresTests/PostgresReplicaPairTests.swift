import BulwarkTestSupport
import Foundation
import Testing

/// The test harness itself: a real primary and streaming replica behave as the proxy's tests assume.
/// Serialized: the pair's helpers block a thread of the cooperative pool while psql and pg_ctl run.
@Suite(
    "PostgreSQL replica pair (harness)", .serialized,
    .enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"),
    .timeLimit(.minutes(1))
)
struct PostgresReplicaPairTests {
    @Test("the pair starts, the replica is in recovery and streams; a write shows on it; paused replay hides the next one until resumed")
    func replicatesAndPauses() async throws {
        let pair = try await PostgresReplicaPair.start()
        defer { pair.stop() }

        #expect(pair.primaryPort != pair.replicaPort)
        #expect(try pair.primary.psql("select pg_is_in_recovery()") == "f")
        #expect(try pair.replica.psql("select pg_is_in_recovery()") == "t")
        #expect(try pair.primary.psql("select count(*) from pg_stat_replication where state = 'streaming'") == "1")

        try pair.primary.psql("create table harness (x int); insert into harness values (1)")
        try await pair.waitForReplay()
        #expect(try pair.replica.psql("select count(*) from harness") == "1")
        // A standby refuses writes.
        #expect(throws: TestFailure.self) { try pair.replica.psql("insert into harness values (9)") }

        try await pair.pauseReplay()
        try pair.primary.psql("insert into harness values (2)")
        // The WAL reaches the replica but is not replayed: the row stays invisible there.
        try await pair.waitForReceive()
        #expect(try pair.replica.psql("select count(*) from harness") == "1")
        #expect(try pair.primary.psql("select count(*) from harness") == "2")

        try pair.resumeReplay()
        try await pair.waitForReplay()
        #expect(try pair.replica.psql("select count(*) from harness") == "2")
    }

    @Test("killing the primary and promoting the replica leaves a writable server out of recovery")
    func promotes() async throws {
        let pair = try await PostgresReplicaPair.start()
        defer { pair.stop() }

        try pair.primary.psql("create table harness (x int); insert into harness values (1)")
        try await pair.waitForReplay()
        try pair.killPrimary()
        #expect(throws: TestFailure.self) { try pair.primary.psql("select 1") }
        #expect(try pair.replica.psql("select pg_is_in_recovery()") == "t")

        try pair.promoteReplica()
        #expect(try pair.replica.psql("select pg_is_in_recovery()") == "f")
        try pair.replica.psql("insert into harness values (2)")
        #expect(try pair.replica.psql("select count(*) from harness") == "2")
    }
}
