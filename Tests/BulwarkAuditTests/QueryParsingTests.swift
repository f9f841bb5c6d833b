@testable import BulwarkAudit
import Foundation
import Testing

@Suite struct QueryParsingTests {
    let now = Date(timeIntervalSince1970: 1_764_000_000)

    @Test func spansCountBackFromNowAndISOTimesAreReadAsWritten() throws {
        #expect(try AuditQuery.parse(since: "1h", now: now).since == now.addingTimeInterval(-3600))
        #expect(try AuditQuery.parse(since: "30m", now: now).since == now.addingTimeInterval(-1800))
        #expect(try AuditQuery.parse(since: "7d", now: now).since == now.addingTimeInterval(-7 * 86_400))
        #expect(try AuditQuery.parse(until: "2026-11-30T20:00:00Z", now: now).until == Date(timeIntervalSince1970: 1_796_068_800))
        #expect(try AuditQuery.parse(since: "2026-11-30T20:00:00.250Z", now: now).since == Date(timeIntervalSince1970: 1_796_068_800.25))
    }

    @Test func statusWordsAreAnExactStatusOrAClass() throws {
        let server = try #require(try AuditQuery.parse(status: "5xx").status)
        #expect(server.matches(503) && server.matches(500) && !server.matches(499) && !server.matches(600) && !server.matches(nil))
        let missing = try #require(try AuditQuery.parse(status: "404").status)
        #expect(missing.matches(404) && !missing.matches(405))
        #expect(missing.description == "404" && server.description == "5xx")
    }

    @Test func wrongWordsAreNamed() {
        #expect(throws: AuditQueryError("status: expected a status such as 404 or a class such as 5xx, got '5x'")) { try AuditQuery.parse(status: "5x") }
        #expect(throws: AuditQueryError("since: expected a span such as 1h, 30m, 7d or an ISO 8601 time, got 'yesterday'")) { try AuditQuery.parse(since: "yesterday") }
        #expect(throws: AuditQueryError("limit: expected 1…1000, got '1001'")) { try AuditQuery.parse(limit: "1001") }
        #expect(throws: AuditQueryError("cursor: not a cursor from a previous page")) { try AuditQuery.parse(cursor: "abc") }
        #expect(throws: AuditQueryError("kind: expected request, completed or action, got 'write'")) { try AuditQuery.parse(kind: "write") }
    }

    @Test func pagesFollowEachOtherWithoutGapsOrRepeatsEvenAtOneMillisecond() throws {
        // 25 events, five of them sharing one millisecond: pages of 4 walk all of them, newest first.
        let events = (0..<25).map { index in
            AuditEvent(entry: AuditEntry(kind: .action, id: AuditEventID(), time: Date(auditMilliseconds: 1_764_000_000_000 + Int64(max(index, 5)) * 1000)), isCompleted: false)
        }
        var query = AuditQuery(limit: 4)
        var seen: [AuditEntry] = []
        for _ in 0..<10 {
            let page = query.page(of: events.filter(query.matches))
            seen += page.events
            guard let next = page.nextCursor else { break }
            query.cursor = next
        }
        #expect(seen.count == 25)
        #expect(Set(seen.map(\.id)).count == 25)
        let ordered = zip(seen, seen.dropFirst()).allSatisfy { AuditEntryOrder.newerFirst($0, $1) }
        #expect(ordered)
    }

    @Test func aCompletedRecordFillsItsRequestsEntry() {
        var request = AuditEntry(kind: .request, id: AuditEventID(), time: Date(auditMilliseconds: 1_764_000_000_000))
        request.status = 201
        request.route = "orders"
        var completed = AuditEntry(kind: .completed, id: request.id, time: request.time)
        completed.durationMilliseconds = 12.5
        completed.responseBytes = 42
        completed.outcome = "complete"
        completed.requestBodySHA256 = "ab"
        let merged = request.completed(by: completed)
        #expect(merged.kind == .request && merged.status == 201 && merged.route == "orders")
        #expect(merged.durationMilliseconds == 12.5 && merged.responseBytes == 42 && merged.outcome == "complete" && merged.requestBodySHA256 == "ab")
        let query = AuditQuery(kind: .completed)
        #expect(query.matches(AuditEvent(entry: merged, isCompleted: true)))
        #expect(!query.matches(AuditEvent(entry: request, isCompleted: false)))
    }
}
