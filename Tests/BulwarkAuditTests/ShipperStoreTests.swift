@testable import BulwarkAudit
import BulwarkTestSupport
import Foundation
import Testing

/// `PostgresAuditStore` against a real PostgreSQL.
@Suite(.enabled(if: PostgresServer.shouldRun), .timeLimit(.minutes(3)))
struct ShipperStoreTests {
    @Test func batchesLandOnceAndCompletionsFillTheirRows() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let store = try PostgresAuditStore(url: server.url(), logger: ShipperFixtures.logger)
        let base: Int64 = 1_764_000_000_000
        let requests = (0..<2_500).map { ShipperFixtures.request(at: base + Int64($0)) }
        let records = try ShipperFixtures.records(requests)
        for start in stride(from: 0, to: records.count, by: 500) {
            try await store.ship(Array(records[start..<start + 500]), journal: "j1")
        }
        #expect(try server.psql("SELECT count(*), count(DISTINCT id) FROM audit_events") == "2500|2500\n")
        // The same batches again (a lost position file): nothing is added.
        for start in stride(from: 0, to: records.count, by: 500) {
            try await store.ship(Array(records[start..<start + 500]), journal: "j1")
        }
        #expect(try server.psql("SELECT count(*) FROM audit_events") == "2500\n")

        let completions = try ShipperFixtures.records(requests.prefix(100).map { ShipperFixtures.completion(of: $0) }, first: 2_501, previous: records.last!.hash)
        try await store.ship(completions, journal: "j1")
        try await store.ship(completions, journal: "j1")
        #expect(try server.psql("SELECT count(*) FROM audit_events WHERE completed_sequence IS NOT NULL AND outcome = 'complete' AND response_bytes = 42 AND duration_ms = 3.5") == "100\n")
        #expect(try server.psql("SELECT count(*) FROM audit_events") == "2500\n")
        let anchor = try #require(try await store.anchor(journal: "j1"))
        #expect(anchor.sequence == 2_600 && anchor.hash == completions.last!.hash)
        // Shipping an old batch again does not move the anchor back.
        try await store.ship(Array(records[0..<500]), journal: "j1")
        #expect(try await store.anchor(journal: "j1")?.sequence == 2_600)
        let stored = try await store.recordHashes(ofEvents: [records[0].entry.id, records[2_499].entry.id, AuditEventID()])
        #expect(stored.count == 2 && stored[records[0].entry.id] == records[0].hash && stored[records[2_499].entry.id] == records[2_499].hash)
        await store.close()
    }

    @Test func twoMonthsLandInTwoPartitionsAndRetentionDropsOnlyTheExpiredOne() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let store = try PostgresAuditStore(url: server.url(), logger: ShipperFixtures.logger)
        let october = Date(timeIntervalSince1970: 1_760_000_000).auditMilliseconds  // 2025-10-09
        let now = Date()
        let entries = [ShipperFixtures.request(at: october), ShipperFixtures.request(at: october + 1), ShipperFixtures.request(at: now.auditMilliseconds)]
        try await store.ship(try ShipperFixtures.records(entries), journal: "j1")
        let current = AuditPartition(containing: now).tableName
        let partitions = try server.psql("SELECT tableoid::regclass, count(*) FROM audit_events GROUP BY 1 ORDER BY 1")
        #expect(partitions == "audit_events_y2025m10|2\n\(current)|1\n")

        let dropped = try await store.removeEvents(olderThan: now.addingTimeInterval(-30 * 86_400))
        #expect(dropped == ["audit_events_y2025m10"])
        #expect(try server.psql("SELECT count(*) FROM audit_events") == "1\n")
        #expect(try server.psql("SELECT count(*) FROM pg_class WHERE relname = '\(current)'") == "1\n")
        // Events for a dropped month can be shipped again: its partition is created anew.
        try await store.ship(try ShipperFixtures.records([ShipperFixtures.request(at: october + 2)], first: 4), journal: "j1")
        #expect(try server.psql("SELECT count(*) FROM audit_events_y2025m10") == "1\n")
        await store.close()
    }

    @Test func anEventInTheLastHalfMillisecondOfAMonthLandsInTheNextMonthsPartition() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let store = try PostgresAuditStore(url: server.url(), logger: ShipperFixtures.logger)
        var entry = ShipperFixtures.request(at: 0)
        entry.time = Date(timeIntervalSince1970: 1_761_955_199.9996)  // 2025-10-31T23:59:59.9996Z, stored as 2025-11-01T00:00:00.000Z
        entry.id = AuditEventID(time: entry.time)
        try await store.ship(try ShipperFixtures.records([entry]), journal: "j1")
        #expect(try server.psql("SELECT tableoid::regclass, count(*) FROM audit_events GROUP BY 1") == "audit_events_y2025m11|1\n")
        await store.close()
    }

    @Test func twoStoresStartingAtOnceBothCreateTheSchema() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let stores = try (0..<4).map { _ in try PostgresAuditStore(url: server.url(), logger: ShipperFixtures.logger) }
        let time = Date().auditMilliseconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, store) in stores.enumerated() {
                group.addTask {
                    try await store.ship(try ShipperFixtures.records([ShipperFixtures.request(at: time + Int64(index))]), journal: "j\(index)")
                }
            }
            try await group.waitForAll()
        }
        #expect(try server.psql("SELECT count(*) FROM audit_events") == "4\n")
        #expect(try server.psql("SELECT count(*) FROM audit_anchor") == "4\n")
        for store in stores { await store.close() }
    }

    @Test func errorsNameTheCauseButNeverThePassword() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        try server.psql("CREATE ROLE auditor LOGIN PASSWORD 's3cr3t-pw'")
        let port = try RedisServer.freePort()
        let store = try PostgresAuditStore(url: "postgres://auditor:s3cr3t-pw@127.0.0.1:\(port)/postgres", logger: ShipperFixtures.logger)
        let error = await #expect(throws: AuditStoreError.self) {
            try await store.ship(try ShipperFixtures.records([ShipperFixtures.request(at: Date().auditMilliseconds)]), journal: "j")
        }
        let message = try #require(error?.message)
        #expect(!message.contains("s3cr3t-pw"))
        #expect(message.contains("auditor@127.0.0.1:\(port)"))
        #expect(message.contains("cannot connect: Connection refused"), "\(message)")
        #expect(throws: AuditDatabaseURLError.self) { try PostgresAuditStore(url: "postgres://a:s3cr3t-pw@h/db?sslmode=require", logger: ShipperFixtures.logger) }
        let urlError = try? AuditDatabaseURL("postgres://a:s3cr3t-pw@h/db?sslmode=require")
        #expect(urlError == nil)
        do { _ = try AuditDatabaseURL("postgres://a:s3cr3t-pw@h/db?x=1") } catch { #expect(!error.description.contains("s3cr3t-pw")) }
    }
}
