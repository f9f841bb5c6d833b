import BulwarkAudit
import Foundation
import Testing

/// What `verify` says about journals changed behind the writer's back.
@Suite struct JournalTamperTests {
    /// A closed journal of `count` records in a fresh directory.
    func journal(_ count: Int) async throws -> JournalTemporaryDirectory {
        let temporary = try JournalTemporaryDirectory()
        let journal = try AuditJournal(directory: temporary.journal, logger: JournalFixtures.logger().0)
        try await JournalFixtures.write(count, to: journal)
        journal.close()
        return temporary
    }

    @Test func aFlippedByteInARecordIsNamedBySegmentOffsetAndSequence() async throws {
        let temporary = try await journal(20)
        defer { temporary.remove() }
        let position = try #require(try JournalFixtures.records(in: temporary.journal).first { $0.record.sequence == 9 }?.position)
        let path = temporary.journal + "/" + position.segment
        var bytes = try JournalFixtures.bytes(path)
        bytes[position.offset + AuditRecord.frameHeaderBytes + AuditRecord.payloadHeaderBytes + 10] ^= 0x04
        try JournalFixtures.write(bytes, to: path)

        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.problems.count == 1, "\(verification.problems)")
        let problem = try #require(verification.problems.first)
        #expect(problem.position == AuditRecordPosition(segment: "segment-0000000000000001.log", offset: position.offset, sequence: 9))
        #expect(problem.description == "CRC mismatch")
        #expect(verification.recordsChecked == 19)
    }

    @Test func reopeningAfterAFlippedByteInTheLastSegmentKeepsEveryRecordAfterIt() async throws {
        let temporary = try await journal(20)
        defer { temporary.remove() }
        let position = try #require(try JournalFixtures.records(in: temporary.journal).first { $0.record.sequence == 9 }?.position)
        let path = temporary.journal + "/" + position.segment
        var bytes = try JournalFixtures.bytes(path)
        bytes[position.offset + AuditRecord.frameHeaderBytes + AuditRecord.payloadHeaderBytes + 10] ^= 0x04
        try JournalFixtures.write(bytes, to: path)

        // Damage with intact records after it is not a torn tail: nothing is cut, the chain goes on from 20.
        let (logger, log) = JournalFixtures.logger()
        let reopened = try AuditJournal(directory: temporary.journal, logger: logger)
        #expect(try await reopened.record(JournalFixtures.entry(21)) == 21)
        reopened.close()
        let errors = log.entries.filter { $0.level == .error && "\($0.message)".contains("offset \(position.offset)") }
        #expect(errors.count == 1)
        let kept = try JournalFixtures.records(in: temporary.journal).map(\.record.sequence)
        #expect(kept == Array(1...8) + Array(10...21))
        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.problems.map(\.position.sequence) == [9], "\(verification.problems)")
    }

    @Test func anEditedRecordWithARecomputedCRCBreaksTheNextLink() async throws {
        let temporary = try await journal(20)
        defer { temporary.remove() }
        let records = try JournalFixtures.records(in: temporary.journal)
        let position = try #require(records.first { $0.record.sequence == 7 }?.position)
        let path = temporary.journal + "/" + position.segment
        var bytes = try JournalFixtures.bytes(path)
        let payloadStart = position.offset + AuditRecord.frameHeaderBytes
        let length = Int(bytes[position.offset]) | Int(bytes[position.offset + 1]) << 8 | Int(bytes[position.offset + 2]) << 16
        var payload = Array(bytes[payloadStart..<(payloadStart + length)])
        // "/orders/7" → "/orders/8": same length, valid JSON, a new CRC.
        let json = String(decoding: payload[40...], as: UTF8.self).replacingOccurrences(of: "/orders/7", with: "/orders/8")
        payload = Array(payload[0..<40]) + Array(json.utf8)
        let crc = CRC32C.checksum(payload)
        bytes.replaceSubrange((position.offset + 4)..<(position.offset + 8), with: withUnsafeBytes(of: crc.littleEndian) { Array($0) })
        bytes.replaceSubrange(payloadStart..<(payloadStart + length), with: payload)
        try JournalFixtures.write(bytes, to: path)

        let edited = try JournalFixtures.records(in: temporary.journal).first { $0.record.sequence == 7 }
        #expect(edited?.record.entry.path == "/orders/8")
        let verification = try AuditVerifier.verify(directory: temporary.journal)
        let next = try #require(records.first { $0.record.sequence == 8 }?.position)
        #expect(verification.problems == [AuditVerificationProblem(position: next, description: AuditChain.Break.link(sequence: 8).description)])
    }

    @Test func aRemovedRecordIsASequenceBreak() async throws {
        let temporary = try await journal(20)
        defer { temporary.remove() }
        let records = try JournalFixtures.records(in: temporary.journal)
        let removed = try #require(records.first { $0.record.sequence == 12 }?.position)
        let following = try #require(records.first { $0.record.sequence == 13 }?.position)
        let path = temporary.journal + "/" + removed.segment
        var bytes = try JournalFixtures.bytes(path)
        bytes.removeSubrange(removed.offset..<following.offset)
        try JournalFixtures.write(bytes, to: path)

        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.problems.count == 1, "\(verification.problems)")
        let problem = try #require(verification.problems.first)
        #expect(problem.position == AuditRecordPosition(segment: removed.segment, offset: removed.offset, sequence: 13))
        #expect(problem.description == "expected record 12, found record 13")
    }

    @Test func aJournalRewrittenWholeWithAConsistentChainContradictsTheAnchor() async throws {
        let temporary = try await journal(10)
        defer { temporary.remove() }
        let path = temporary.journal + "/segment-0000000000000001.log"
        var forged = (1...10).map { JournalFixtures.entry($0) }
        forged[3].actor = "someone-else"
        try JournalFixtures.write(JournalFixtures.header(first: 1) + JournalFixtures.chain(forged), to: path)

        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.recordsChecked == 10)
        #expect(verification.problems.count == 1, "\(verification.problems)")
        let problem = try #require(verification.problems.first)
        #expect(problem.position.sequence == 10)
        #expect(problem.description.contains("the anchor file says record 10"))
        #expect(problem.description.contains("rewritten"))

        // The same journal against an external anchor taken from the forged chain alone: no complaint
        // from it, the anchor file still objects.
        let head = try #require(verification.head)
        let external = AuditAnchor(sequence: 10, hash: head, time: Date())
        #expect(try AuditVerifier.verify(directory: temporary.journal, externalAnchor: external).problems.count == 1)
    }

    @Test func aJournalCutShortBeforeTheAnchorSaysRecordsWereRemoved() async throws {
        let temporary = try await journal(10)
        defer { temporary.remove() }
        let records = try JournalFixtures.records(in: temporary.journal)
        let eighth = try #require(records.first { $0.record.sequence == 8 }?.position)
        let path = temporary.journal + "/" + eighth.segment
        try JournalFixtures.write(Array(try JournalFixtures.bytes(path).prefix(eighth.offset)), to: path)

        let verification = try AuditVerifier.verify(directory: temporary.journal)
        #expect(verification.lastSequence == 7)
        #expect(verification.problems.count == 1, "\(verification.problems)")
        #expect(verification.problems.first?.description.contains("records were removed") == true)
        #expect(verification.problems.first?.position == AuditRecordPosition(segment: eighth.segment, offset: eighth.offset, sequence: 10))
    }

    @Test func anExternalAnchorWithAnotherHashIsReported() async throws {
        let temporary = try await journal(5)
        defer { temporary.remove() }
        let external = AuditAnchor(sequence: 3, hash: String(repeating: "ab", count: 32), time: Date())
        let verification = try AuditVerifier.verify(directory: temporary.journal, externalAnchor: external)
        #expect(verification.problems.count == 1)
        #expect(verification.problems.first?.description.contains("the external anchor says record 3") == true)
        #expect(verification.problems.first?.position.sequence == 3)
    }

    @Test func verifyFromARecordChecksOnlyFromThere() async throws {
        let temporary = try await journal(20)
        defer { temporary.remove() }
        let verification = try AuditVerifier.verify(directory: temporary.journal, from: 15)
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(verification.recordsChecked == 6)
        #expect(verification.firstSequence == 15)
    }
}
