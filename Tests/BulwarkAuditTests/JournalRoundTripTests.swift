import BulwarkAudit
import Foundation
import Testing

@Suite struct JournalRoundTripTests {
    @Test func recordsReadBackInOrderAndAReopenContinuesTheChain() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let (logger, _) = JournalFixtures.logger()

        let journal = try AuditJournal(directory: temporary.journal, logger: logger)
        try await JournalFixtures.write(25, to: journal)
        #expect(journal.status.lastSequence == 25)
        #expect(journal.status.durableSequence == 25)
        journal.close()

        let reopened = try AuditJournal(directory: temporary.journal, logger: logger)
        #expect(reopened.status.lastSequence == 25)
        let next = try await reopened.record(JournalFixtures.entry(26))
        #expect(next == 26)
        try await JournalFixtures.write(4, from: 27, to: reopened)
        reopened.close()

        let records = try JournalFixtures.records(in: temporary.journal)
        #expect(records.map(\.record.sequence) == Array(1...30))
        #expect(records.map(\.record.entry) == (1...30).map { JournalFixtures.entry($0) }.enumerated().map { index, entry in
            var expected = entry
            expected.id = records[index].record.entry.id
            return expected
        })
        #expect(try AuditJournalReader(directory: temporary.journal).lastSequence == 30)

        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(verification.recordsChecked == 30)
        #expect(verification.firstSequence == 1 && verification.lastSequence == 30)
        let anchor = try #require(try AuditAnchor.read(directory: temporary.journal))
        #expect(anchor.sequence == 30)
        #expect(anchor.hash == verification.head)
        #expect(anchor.hash == reopened.status.head)
    }

    @Test func filesAre0600AndTheDirectory0700EvenWhenItWasLooser() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        try FileManager.default.createDirectory(atPath: temporary.journal, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        let journal = try AuditJournal(directory: temporary.journal, logger: JournalFixtures.logger().0)
        try await JournalFixtures.write(2, to: journal)
        journal.close()
        #expect(JournalFixtures.mode(temporary.journal) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: temporary.journal)
        #expect(Set(files).isSuperset(of: ["lock", "anchor", "segment-0000000000000001.log"]))
        let loose = files.filter { JournalFixtures.mode(temporary.journal + "/" + $0) != 0o600 }
        #expect(loose.isEmpty, "not 0600: \(loose)")
        let segment = try JournalFixtures.bytes(temporary.journal + "/segment-0000000000000001.log")
        #expect(Array(segment.prefix(16)) == JournalFixtures.header(first: 1))
    }

    @Test func aSecondWriterIsRefusedNamingTheDirectoryAndGetsInAfterClose() throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let logger = JournalFixtures.logger().0
        let first = try AuditJournal(directory: temporary.journal, logger: logger)
        #expect {
            _ = try AuditJournal(directory: temporary.journal, logger: logger)
        } throws: { error in
            guard let error = error as? AuditJournalError else { return false }
            return error.code == .locked && error.message.contains(temporary.journal)
        }
        // Readers take no lock.
        #expect(try AuditJournalReader(directory: temporary.journal).lastSequence == 0)
        first.close()
        let second = try AuditJournal(directory: temporary.journal, logger: logger)
        second.close()
    }

    @Test func asyncRecordsAreWrittenAtOnceAndMadeDurableWithinTheFlushInterval() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let journal = try AuditJournal(
            directory: temporary.journal, options: .init(asyncFlushInterval: .milliseconds(50)), logger: JournalFixtures.logger().0
        )
        defer { journal.close() }
        for index in 1...10 {
            let sequence = try await journal.record(JournalFixtures.entry(index), waitForDisk: false)
            #expect(sequence == UInt64(index))
        }
        #expect(journal.status.lastSequence == 10)
        // Written means readable at once.
        #expect(try JournalFixtures.records(in: temporary.journal).count == 10)
        let deadline = ContinuousClock.now + .seconds(10)
        while journal.status.durableSequence < 10, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(journal.status.durableSequence == 10)
    }

    @Test func appendAfterCloseFailsWithAReason() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let journal = try AuditJournal(directory: temporary.journal, logger: JournalFixtures.logger().0)
        journal.close()
        #expect(!journal.isAvailable)
        #expect(journal.status.lastFailure?.contains("closed") == true)
        await #expect(throws: AuditUnavailable.self) {
            try await journal.record(JournalFixtures.entry(1))
        }
    }
}
