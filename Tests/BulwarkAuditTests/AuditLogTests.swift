@testable import BulwarkAudit
import BulwarkTestSupport
import Foundation
import Testing

/// `AuditLog` end to end: queries from the database and from the journal alone give the same answers,
/// unshipped records are seen, and verification uses the database's anchor and rows.
@Suite(.enabled(if: PostgresServer.shouldRun), .timeLimit(.minutes(4)))
struct AuditLogTests {
    /// 120 events over the last two hours: requests from three actors on two routes with statuses
    /// 200…503, most completed, and some actions.
    static func events(now: Date) -> [AuditEntry] {
        let base = now.auditMilliseconds - 2 * 3_600_000
        var entries: [AuditEntry] = []
        var open: [AuditEntry] = []
        for index in 0..<120 {
            let time = base + Int64(index) * 60_000 + (index % 7 == 0 ? 0 : 1)  // some share a millisecond with the one before
            if index % 10 == 9 {
                let action = AuditEntry.action("cache.purge", actor: "admin", subject: "key-\(index)", detail: ["n": "\(index)"], id: AuditEventID(time: Date(auditMilliseconds: time)), time: Date(auditMilliseconds: time))
                entries.append(action)
                // An action's status is known only once it was carried out: its completion brings it.
                var answered = ShipperFixtures.completion(of: action, bytes: 0)
                answered.status = 200
                entries.append(answered)
            } else {
                let request = ShipperFixtures.request(at: time, actor: ["alice", "bob", "carol"][index % 3], route: index % 2 == 0 ? "orders" : "login",
                                                      status: [200, 201, 404, 500, 503][index % 5])
                entries.append(request)
                open.append(request)
            }
            if open.count > 3 { entries.append(ShipperFixtures.completion(of: open.removeFirst(), bytes: index)) }
        }
        return entries
    }

    static let queries: [AuditQuery] = [
        AuditQuery(),
        AuditQuery(actor: "alice"),
        AuditQuery(route: "login"),
        AuditQuery(status: AuditStatusFilter("5xx")),
        AuditQuery(status: AuditStatusFilter("404")),
        AuditQuery(kind: .action),
        AuditQuery(kind: .completed),
        AuditQuery(kind: .request, limit: 5),
        AuditQuery(actor: "bob", route: "orders", status: AuditStatusFilter("2xx")),
        AuditQuery(status: AuditStatusFilter("2xx"), kind: .action),
    ]

    /// Every page of `query`, walked with limit 7, through `fetch`.
    static func allPages(_ query: AuditQuery, _ fetch: (AuditQuery) async throws -> AuditPage) async throws -> [[AuditEntry]] {
        var query = query
        if query.limit == AuditQuery.defaultLimit { query.limit = 7 }
        var pages: [[AuditEntry]] = []
        while pages.count < 100 {
            let page = try await fetch(query)
            pages.append(page.events)
            guard let next = page.nextCursor else { break }
            query.cursor = next
        }
        return pages
    }

    @Test func theDatabaseAndTheJournalAloneGiveTheSameAnswersAndUnshippedRecordsAreSeen() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let directory = try ShipperFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let withDatabase = AuditLog.Configuration(journal: directory, databaseURL: server.url(), shipBatch: 50)
        let journalOnly = AuditLog.Configuration(journal: directory)
        let audit = try AuditLog(configuration: withDatabase, logger: ShipperFixtures.logger)
        let now = Date()
        let events = Self.events(now: now)
        for entry in events { try await audit.record(entry) }
        let shipper = try #require(audit.shipper)
        while try await shipper.shipOnce() > 0 {}
        #expect(try server.psql("SELECT count(*) FROM audit_events") == "120\n")

        for query in Self.queries {
            let fromDatabase = try await Self.allPages(query) { try await audit.query($0) }
            let fromJournal = try await Self.allPages(query) { try await AuditLog.query(configuration: journalOnly, $0, logger: ShipperFixtures.logger) }
            #expect(fromDatabase == fromJournal, "\(query)")
            #expect(fromDatabase.joined().count > 0, "\(query)")
            let all = Array(fromDatabase.joined())
            let unique = Set(all.map(\.id)).count == all.count
            #expect(unique, "\(query)")
        }
        let fiveHundreds = try await audit.query(AuditQuery(status: AuditStatusFilter("5xx"), limit: 1000)).events
        let allServerErrors = fiveHundreds.allSatisfy { (500..<600).contains($0.status ?? 0) }
        #expect(allServerErrors && fiveHundreds.count == events.filter { $0.kind == .request && (500..<600).contains($0.status ?? 0) }.count)
        let recent = try await audit.query(try AuditQuery.parse(since: "30m", limit: "1000", now: now)).events
        let cutoff = now.addingTimeInterval(-1800).auditMilliseconds
        #expect(recent.count == events.filter { $0.kind != .completed && $0.time.auditMilliseconds >= cutoff }.count)
        let completed = try await audit.query(AuditQuery(kind: .completed, limit: 1000)).events
        let filled = completed.allSatisfy { $0.outcome == "complete" && $0.durationMilliseconds == 3.5 }
        let completions = events.filter { $0.kind == .completed && $0.status == nil }.count  // the requests' (the actions' bring a status)
        #expect(filled && completed.count == completions)

        // Not shipped yet: a new request, and the completion of a request that is in the database.
        let pending = try #require(try await audit.query(AuditQuery(kind: .request, limit: 1000)).events.first { $0.outcome == nil })
        let fresh = ShipperFixtures.request(at: Date().auditMilliseconds, actor: "dave")
        try await audit.record(fresh)
        try await audit.record(ShipperFixtures.completion(of: pending, bytes: 7))
        let first = try await audit.query(AuditQuery(limit: 1)).events
        #expect(first.map(\.id) == [fresh.id])
        let dave = try await AuditLog.query(configuration: withDatabase, AuditQuery(actor: "dave"), logger: ShipperFixtures.logger).events
        #expect(dave.map(\.id) == [fresh.id])
        let nowCompleted = try await audit.query(AuditQuery(kind: .completed, limit: 1000)).events
        #expect(nowCompleted.count == completions + 1)
        #expect(nowCompleted.first { $0.id == pending.id }?.responseBytes == 7)
        #expect(try server.psql("SELECT count(*) FROM audit_events") == "120\n")
        await shipper.close()
        audit.journal.close()
    }

    @Test func verifyPassesOnAnIntactLogAndReportsADatabaseThatDiffers() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let directory = try ShipperFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = AuditLog.Configuration(journal: directory, databaseURL: server.url(), shipInterval: .milliseconds(20), shipBatch: 40)
        let audit = try AuditLog(configuration: configuration, logger: ShipperFixtures.logger)
        let running = Task { try await audit.run() }
        for entry in Self.events(now: Date()) { try await audit.record(entry) }
        let last = audit.status.journal.lastSequence
        try await ShipperOutageTests.until { audit.status.shipper?.shippedSequence == last }

        let intact = try await audit.verify(from: nil)
        #expect(intact.isIntact, "\(intact.problems)")
        #expect(intact.recordsChecked == Int(last))
        // The static form works while the log holds the journal.
        #expect(try await AuditLog.verify(configuration: configuration, from: nil, logger: ShipperFixtures.logger).isIntact)

        try server.psql("UPDATE audit_anchor SET hash = decode(repeat('00', 32), 'hex')")
        let anchorChanged = try await AuditLog.verify(configuration: configuration, from: nil, logger: ShipperFixtures.logger)
        #expect(anchorChanged.problems.count == 1)
        #expect(anchorChanged.problems.first?.description.contains("record \(last)") == true)

        try server.psql("UPDATE audit_anchor SET hash = (SELECT hash FROM audit_events WHERE sequence = 1)")
        try server.psql("UPDATE audit_events SET hash = decode(repeat('11', 32), 'hex') WHERE sequence = 6")  // record 5 is a completion, 6 a request
        try server.psql("DELETE FROM audit_events WHERE sequence = 8")
        let rowsChanged = try await audit.verify(from: nil)
        let descriptions = rowsChanged.problems.map(\.description)
        #expect(descriptions.contains { $0.contains("record 6 has hash 1111") })
        #expect(descriptions.contains { $0.contains("record 8 was shipped but the database has no row") })
        #expect(rowsChanged.problems.contains { $0.position.sequence == 6 })

        running.cancel()
        try await running.value
        // The journal was closed: another log can open it.
        let reopened = try AuditLog(configuration: AuditLog.Configuration(journal: directory), logger: ShipperFixtures.logger)
        reopened.journal.close()
    }

    @Test func retentionDropsPartitionsOlderThanItAndKeepsTheCurrentOne() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let directory = try ShipperFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = AuditLog.Configuration(journal: directory, databaseURL: server.url(), retention: .seconds(30 * 86_400))
        let audit = try AuditLog(configuration: configuration, logger: ShipperFixtures.logger)
        let old = ShipperFixtures.request(at: Date(timeIntervalSince1970: 1_760_000_000).auditMilliseconds)  // October 2025
        let current = ShipperFixtures.request(at: Date().auditMilliseconds)
        try await audit.record(old)
        try await audit.record(current)
        let shipper = try #require(audit.shipper)
        #expect(try await shipper.shipOnce() == 2)
        #expect(try server.psql("SELECT count(*) FROM audit_events_y2025m10") == "1\n")

        await audit.applyRetention(now: Date())
        #expect(try server.psql("SELECT count(*) FROM pg_class WHERE relname = 'audit_events_y2025m10'") == "0\n")
        #expect(try server.psql("SELECT count(*) FROM \(AuditPartition(containing: Date()).tableName)") == "1\n")
        #expect(try await audit.query(AuditQuery()).events.map(\.id) == [current.id])
        await shipper.close()
        audit.journal.close()
    }
}
