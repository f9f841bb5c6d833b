import BulwarkAudit
import Foundation
import MetricsTestKit
import Testing

@Suite struct JournalMetricsTests {
    @Test func eventsBatchesFsyncsAndBytesAreMeasured() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let metrics = TestMetrics()
        let journal = try AuditJournal(directory: temporary.journal, logger: JournalFixtures.logger().0, metrics: metrics)
        try await JournalFixtures.write(6, to: journal)
        let bytes = journal.status.bytes
        journal.close()

        #expect(try metrics.expectCounter("bulwark_audit_events_written_total").totalValue == 6)
        let batches = try metrics.expectRecorder("bulwark_audit_batch_size").values
        #expect(batches.reduce(0, +) == 6)
        #expect(try metrics.expectTimer("bulwark_audit_fsync_seconds").values.count >= batches.count)
        #expect(try metrics.expectGauge("bulwark_audit_journal_bytes").lastValue == Double(bytes))
        #expect(bytes == (try JournalFixtures.bytes(temporary.journal + "/segment-0000000000000001.log")).count)
    }
}
