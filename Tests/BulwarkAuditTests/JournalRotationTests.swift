import BulwarkAudit
import Foundation
import Testing

@Suite struct JournalRotationTests {
    @Test func tinySegmentsRotateAndReadAndVerifyAcrossThem() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let journal = try AuditJournal(directory: temporary.journal, options: .init(segmentBytes: 1_024), logger: JournalFixtures.logger().0)
        try await JournalFixtures.write(40, to: journal)
        let status = journal.status
        journal.close()

        let segments = try JournalFixtures.segments(in: temporary.journal)
        #expect(segments.count > 4)
        #expect(status.segments == segments.count)
        #expect(status.bytes == segments.reduce(0) { $0 + (try! JournalFixtures.bytes($1)).count })
        // Each segment starts with its own header and its first record is the one its name says.
        let records = try JournalFixtures.records(in: temporary.journal)
        #expect(records.map(\.record.sequence) == Array(1...40))
        for segment in segments {
            let name = (segment as NSString).lastPathComponent
            let first = try #require(records.first { $0.position.segment == name })
            #expect(first.position.offset == 16)
            #expect(name == "segment-" + String(format: "%016llx", first.record.sequence) + ".log")
            #expect(Array(try JournalFixtures.bytes(segment).prefix(16)) == JournalFixtures.header(first: first.record.sequence))
        }
        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(verification.recordsChecked == 40)
        var fromReader: [UInt64] = []
        try AuditJournalReader(directory: temporary.journal).forEachRecord(from: 31) { record, _ in
            fromReader.append(record.sequence)
            return fromReader.count < 5
        }
        #expect(fromReader == [31, 32, 33, 34, 35])
    }

    @Test func removeSegmentsRemovesOnlyOldShippedSegmentsAndNeverTheCurrentOne() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let journal = try AuditJournal(directory: temporary.journal, options: .init(segmentBytes: 1_024), logger: JournalFixtures.logger().0)
        defer { journal.close() }
        try await JournalFixtures.write(40, to: journal)
        let before = try JournalFixtures.records(in: temporary.journal)
        let future = Date().addingTimeInterval(3_600)

        // Too recent: nothing goes.
        #expect(try journal.removeSegments(shippedThrough: nil, olderThan: Date(timeIntervalSince1970: 0)).isEmpty)

        // Shipped through 20: only segments whose every record is at most 20.
        let removed = try journal.removeSegments(shippedThrough: 20, olderThan: future)
        #expect(!removed.isEmpty)
        let remaining = try JournalFixtures.records(in: temporary.journal)
        let firstKept = try #require(remaining.first?.record.sequence)
        #expect(firstKept <= 21)
        let removedMax = before.filter { removed.contains($0.position.segment) }.map(\.record.sequence).max()
        #expect(removedMax.map { $0 <= 20 } == true)
        #expect(remaining.map(\.record.sequence) == Array(firstKept...40))
        #expect(journal.status.segments == (try JournalFixtures.segments(in: temporary.journal)).count)
        let afterShipped = try AuditVerifier.verify(directory: temporary.journal)
        #expect(afterShipped.isIntact, "\(afterShipped.problems)")

        // Everything shipped and old: all but the segment being written.
        let current = try #require(try JournalFixtures.segments(in: temporary.journal).last)
        _ = try journal.removeSegments(shippedThrough: nil, olderThan: future)
        #expect(try JournalFixtures.segments(in: temporary.journal) == [current])
        #expect(try await journal.record(JournalFixtures.entry(41)) == 41)
        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(verification.lastSequence == 41)
    }
}
