import BulwarkAudit
import Foundation
import Logging
import Testing

@Suite struct JournalRecoveryTests {
    /// Writes 12 records, closes, lets `damage` add bytes to the last segment, reopens.
    func reopenAfterAppending(_ damage: [UInt8], expectedReason: String) async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let first = try AuditJournal(directory: temporary.journal, logger: JournalFixtures.logger().0)
        try await JournalFixtures.write(12, to: first)
        first.close()
        let segment = try #require(try JournalFixtures.segments(in: temporary.journal).last)
        let intactSize = try JournalFixtures.bytes(segment).count
        try JournalFixtures.append(damage, to: segment)
        #expect(try AuditVerifier.verify(directory: temporary.journal).problems.map(\.description).contains { $0.contains(expectedReason) })

        let (logger, log) = JournalFixtures.logger()
        let journal = try AuditJournal(directory: temporary.journal, logger: logger)
        let warnings = log.entries.filter { $0.level == .warning }
        #expect(warnings.count == 1)
        let warning = try #require(warnings.first)
        let name = (segment as NSString).lastPathComponent
        #expect("\(warning.message)".contains(name))
        #expect("\(warning.message)".contains("offset \(intactSize)"))
        #expect("\(warning.message)".contains("dropping \(damage.count) bytes"))
        #expect(try JournalFixtures.bytes(segment).count == intactSize)

        #expect(try await journal.record(JournalFixtures.entry(13)) == 13)
        journal.close()
        #expect(try JournalFixtures.records(in: temporary.journal).map(\.record.sequence) == Array(1...13))
        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.isIntact, "\(verification.problems)")
    }

    @Test func aPartialFrameAtTheEndIsTruncatedWithAWarningAndTheChainContinues() async throws {
        let (frame, _) = try AuditRecord.encode(JournalFixtures.entry(99), sequence: 13, previousHash: AuditChain.genesis)
        try await reopenAfterAppending(Array(frame.prefix(frame.count / 2)), expectedReason: "torn tail")
    }

    @Test func garbageBytesAtTheEndAreTruncatedWithAWarningAndTheChainContinues() async throws {
        try await reopenAfterAppending([UInt8](repeating: 0xAB, count: 37), expectedReason: "impossible record length")
    }

    @Test func aFewBytesShorterThanAFrameHeaderAreTruncatedToo() async throws {
        try await reopenAfterAppending([1, 2, 3], expectedReason: "torn tail")
    }

    @Test func anEmptyLastSegmentResumesTheChainFromThePreviousSegment() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let logger = JournalFixtures.logger().0
        let first = try AuditJournal(directory: temporary.journal, logger: logger)
        try await JournalFixtures.write(5, to: first)
        first.close()
        // A segment whose only record was torn off: recovery leaves just its header.
        let (frame, _) = try AuditRecord.encode(JournalFixtures.entry(6), sequence: 6, previousHash: AuditChain.genesis)
        try JournalFixtures.write(JournalFixtures.header(first: 6) + frame.prefix(20), to: temporary.journal + "/segment-0000000000000006.log")

        let journal = try AuditJournal(directory: temporary.journal, logger: logger)
        #expect(try await journal.record(JournalFixtures.entry(6)) == 6)
        journal.close()
        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(verification.lastSequence == 6)
    }

    @Test func aDamagedRecordInAnOlderSegmentIsLoggedAndLeftAndAppendingGoesOn() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let first = try AuditJournal(directory: temporary.journal, options: .init(segmentBytes: 1_024), logger: JournalFixtures.logger().0)
        try await JournalFixtures.write(12, to: first)
        first.close()
        let records = try JournalFixtures.records(in: temporary.journal)
        let twelfth = try #require(records.last?.position)
        let older = temporary.journal + "/" + twelfth.segment
        var bytes = try JournalFixtures.bytes(older)
        bytes[twelfth.offset + 60] ^= 0x01
        try JournalFixtures.write(bytes, to: older)
        // The newest segment holds only its header, so opening reads the older one to resume the chain.
        try JournalFixtures.write(JournalFixtures.header(first: 13), to: temporary.journal + "/segment-000000000000000d.log")

        let (logger, log) = JournalFixtures.logger()
        let journal = try AuditJournal(directory: temporary.journal, logger: logger)
        let errors = log.entries.filter { $0.level == .error }
        #expect(errors.count == 1)
        #expect(errors.first.map { "\($0.message)".contains(twelfth.segment) && "\($0.message)".contains("offset \(twelfth.offset)") } == true)
        #expect(try JournalFixtures.bytes(older) == bytes)
        #expect(try await journal.record(JournalFixtures.entry(13)) == 13)
        journal.close()

        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.problems == [
            AuditVerificationProblem(position: AuditRecordPosition(segment: twelfth.segment, offset: twelfth.offset, sequence: 12), description: "CRC mismatch"),
        ])
    }
}
