import BulwarkAudit
import Foundation
import Testing

@Suite struct JournalGroupCommitTests {
    @Test func concurrentWritersGetUniqueGaplessSequencesInFewerBatches() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let journal = try AuditJournal(directory: temporary.journal, logger: JournalFixtures.logger().0)
        let sequences = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var mine: [UInt64] = []
                    for index in 0..<300 {
                        mine.append(try await journal.record(JournalFixtures.entry(writer * 1_000 + index)))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let status = journal.status
        journal.close()
        #expect(sequences.sorted() == Array(1...2_400))
        #expect(status.eventsWritten == 2_400)
        #expect(status.durableSequence == 2_400)
        #expect(status.batches < status.eventsWritten, "batches \(status.batches)")
        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(verification.recordsChecked == 2_400)
    }
}
