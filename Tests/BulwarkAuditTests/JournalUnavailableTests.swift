import BulwarkAudit
import BulwarkTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A 64 KiB tmpfs, so the journal's disk can really fill up (needs root, as in CI's container).
enum JournalTmpfs {
    static let isPermitted: Bool = {
        guard let temporary = try? JournalTemporaryDirectory() else { return false }
        defer { temporary.remove() }
        guard mount("tmpfs", temporary.path, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount(temporary.path)
        return true
    }()
}

@Suite(.serialized) struct JournalUnavailableTests {
    @Test(.enabled(if: JournalTmpfs.isPermitted || RedisServer.isCI, "mounting a tmpfs needs root (CAP_SYS_ADMIN); skipped outside CI"))
    func aFullDiskMakesItUnavailableWithoutAPartialRecordAndFreeingSpaceBringsItBack() async throws {
        let temporary = try JournalTemporaryDirectory()
        defer { temporary.remove() }
        let mountPoint = temporary.path + "/disk"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=64k,mode=0700") == 0 else {
            Issue.record("mount tmpfs: \(String(cString: strerror(errno)))")
            return
        }
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }
        let directory = mountPoint + "/journal"
        let (logger, log) = JournalFixtures.logger()
        let journal = try AuditJournal(directory: directory, logger: logger)
        // Most of the space taken by another file, so the journal fills up within a few dozen records.
        let filler = mountPoint + "/filler"
        try JournalFixtures.write([UInt8](repeating: 0x55, count: 40 * 1_024), to: filler)

        var written = 0
        var failure: AuditUnavailable?
        for index in 1...500 {
            do {
                try await journal.record(JournalFixtures.entry(index))
                written += 1
            } catch {
                failure = error
                break
            }
        }
        let reason = try #require(failure).reason
        #expect(written > 0)
        #expect(reason.contains("No space left on device"), "\(reason)")
        #expect(!journal.isAvailable)
        #expect(journal.status.lastFailure == reason)
        #expect(journal.status.lastSequence == UInt64(written))
        // A second attempt fails too, and the journal is not advanced by it.
        await #expect(throws: AuditUnavailable.self) { try await journal.record(JournalFixtures.entry(9_999)) }
        #expect(journal.status.lastSequence == UInt64(written))
        // No partial record stays: the segment ends at the last intact record.
        let whileFull = try AuditVerifier.verify(directory: directory)
        #expect(whileFull.isIntact, "\(whileFull.problems)")
        #expect(whileFull.lastSequence == UInt64(written))

        // Space comes back: the journal notices by itself (its probe), with no append to try it.
        try FileManager.default.removeItem(atPath: filler)
        let deadline = ContinuousClock.now + .seconds(5)
        while !journal.isAvailable, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(journal.isAvailable)
        #expect(journal.status.lastSequence == UInt64(written))
        #expect(try await journal.record(JournalFixtures.entry(written + 1)) == UInt64(written + 1))
        #expect(journal.isAvailable)
        #expect(journal.status.lastFailure == nil)
        journal.close()

        let unavailableLines = log.entries.filter { "\($0.message)".contains("unavailable") && $0.level == .error }
        let backLines = log.entries.filter { "\($0.message)".contains("available again") }
        #expect(unavailableLines.count == 1)
        #expect(backLines.count == 1)
        let verification = try AuditVerifier.verify(directory: directory)
        #expect(verification.isIntact, "\(verification.problems)")
        #expect(verification.lastSequence == UInt64(written + 1))
    }
}
