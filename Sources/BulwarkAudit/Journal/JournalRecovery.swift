import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// What the journal does on opening, before it takes a record: finds the last segment's intact end,
/// cuts a torn or damaged tail there (one warning line naming the segment, the offset and the bytes
/// dropped), and resumes the chain from the last intact record. Damage followed by intact records is
/// not a tail: it is kept and logged as an error, never cut.
enum JournalRecovery {
    /// Where writing resumes.
    struct Outcome {
        /// The chain through the last intact record.
        var chain: AuditChain
        /// The segment to write to, and where its intact data ends.
        var segment: JournalSegment
        var offset: Int
        /// Bytes of the other segments, and how many segments there are.
        var sealedBytes: Int
        var segmentCount: Int
    }

    /// Recovers the journal in `directory` (locked by the caller).
    static func recover(directory: String, logger: Logger) throws(AuditJournalError) -> Outcome {
        removeLeftovers(in: directory)
        let segments = try JournalFiles.segments(in: directory)
        guard let last = segments.last else {
            let created: JournalSegmentFile
            do {
                created = try JournalSegmentFile.create(JournalSegment(firstSequence: 1), in: directory)
            } catch {
                throw AuditJournalError(.io, "cannot create the first audit journal segment in \(directory): \(error)")
            }
            return Outcome(chain: AuditChain(), segment: created.segment, offset: created.offset, sealedBytes: 0, segmentCount: 1)
        }
        let path = JournalFiles.path(directory, last.fileName)
        var bytes = try JournalFiles.read(path)
        switch last.checkHeader(bytes) {
        case .valid:
            break
        case .incomplete:
            logger.warning("audit journal: \(last.fileName) was cut short inside its header; rewriting the header, dropping \(bytes.count) bytes",
                           metadata: ["segment": "\(last.fileName)", "offset": "0", "dropped_bytes": "\(bytes.count)"])
            try rewrite(path, with: last.header)
            bytes = last.header
        case .damaged(let reason):
            throw AuditJournalError(.damaged, "the last audit journal segment \(path) is damaged (\(reason)); move it aside to open the journal")
        }
        var cursor = JournalSegmentCursor(bytes: bytes)
        var lastRecord: AuditRecord?
        // The first bad frame after the last intact record: a torn tail, cut. A damaged frame with intact
        // records after it is damage, not a tail: cutting there would drop records that were on disk
        // and acknowledged, so it is kept, logged, and left for `verify` to name.
        var cut: (offset: Int, reason: String)?
        var damagedInside: [(offset: Int, reason: String)] = []
        scan: while let item = cursor.next() {
            switch item {
            case .record(let record, _, _):
                if let damage = cut { damagedInside.append(damage) }
                cut = nil
                lastRecord = record
            case .damaged(let offset, let reason, _):
                if cut == nil { cut = (offset, reason) }
            case .torn(let offset, _):
                if cut == nil { cut = (offset, "incomplete record") }
                break scan
            }
        }
        for damage in damagedInside {
            logger.error(
                "audit journal: damaged record in \(last.fileName) at offset \(damage.offset) (\(damage.reason)) with intact records after it; kept as found (bulwark audit verify names it)",
                metadata: ["segment": "\(last.fileName)", "offset": "\(damage.offset)", "reason": "\(damage.reason)"]
            )
        }
        // What survived is made durable before records are appended after it (and the cut, if any).
        try truncate(path, to: cut?.offset)
        if let cut {
            logger.warning(
                "audit journal: torn tail in \(last.fileName) at offset \(cut.offset) (\(cut.reason)); truncated, dropping \(bytes.count - cut.offset) bytes",
                metadata: ["segment": "\(last.fileName)", "offset": "\(cut.offset)", "dropped_bytes": "\(bytes.count - cut.offset)", "reason": "\(cut.reason)"]
            )
        }
        let chain = lastRecord.map { AuditChain(sequence: $0.sequence, head: $0.hash) }
            ?? chain(before: last, previous: segments.dropLast().last, directory: directory, logger: logger)
        let sealedBytes = segments.dropLast().reduce(0) { $0 + JournalFiles.size(JournalFiles.path(directory, $1.fileName)) }
        return Outcome(chain: chain, segment: last, offset: cut?.offset ?? bytes.count, sealedBytes: sealedBytes, segmentCount: segments.count)
    }

    /// The chain just before `segment`, which holds no record: the previous segment's last intact
    /// record, else the anchor when it names the record before, else a chain that `verify` will flag.
    private static func chain(before segment: JournalSegment, previous: JournalSegment?, directory: String, logger: Logger) -> AuditChain {
        let expected = segment.firstSequence - 1
        guard expected > 0 else { return AuditChain() }
        var lastRecord: AuditRecord?
        if let previous, let bytes = try? JournalFiles.read(JournalFiles.path(directory, previous.fileName)) {
            var cursor = JournalSegmentCursor(bytes: bytes)
            while let item = cursor.next() {
                switch item {
                case .record(let record, _, _): lastRecord = record
                case .damaged(let offset, let reason, _):
                    logger.error("audit journal: damaged record in \(previous.fileName) at offset \(offset) (\(reason)); left as it is (see bulwark audit verify)",
                                 metadata: ["segment": "\(previous.fileName)", "offset": "\(offset)"])
                case .torn(let offset, let count):
                    logger.error("audit journal: \(previous.fileName) ends inside a record at offset \(offset) (\(count) bytes); left as it is (see bulwark audit verify)",
                                 metadata: ["segment": "\(previous.fileName)", "offset": "\(offset)"])
                }
            }
        }
        if let lastRecord, lastRecord.sequence == expected { return AuditChain(sequence: expected, head: lastRecord.hash) }
        if let anchor = try? AuditAnchor.read(directory: directory), anchor.sequence == expected,
           let hash = JournalHex.decode(anchor.hash), hash.count == 32 {
            return AuditChain(sequence: expected, head: hash)
        }
        logger.error("audit journal: the record before \(segment.fileName) (record \(expected)) cannot be read; the chain resumes without its hash (verify will report the break)",
                     metadata: ["segment": "\(segment.fileName)"])
        return AuditChain(sequence: expected, head: lastRecord?.hash ?? AuditChain.genesis)
    }

    /// Temp files of a segment creation or an anchor update that a crash interrupted.
    private static func removeLeftovers(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasSuffix(".tmp") && (name.hasPrefix("segment-") || name.hasPrefix(AuditAnchor.fileName)) {
            unlink(JournalFiles.path(directory, name))
        }
    }

    /// Cuts `path` to `length` (when given), then `fsync`s it.
    private static func truncate(_ path: String, to length: Int?) throws(AuditJournalError) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        if let length, ftruncate(descriptor, off_t(length)) != 0 { throw failure("truncate", path) }
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
    }

    private static func rewrite(_ path: String, with bytes: [UInt8]) throws(AuditJournalError) {
        let descriptor = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        do {
            try JournalFiles.write(bytes, to: descriptor, at: 0)
        } catch {
            throw AuditJournalError(.io, "cannot rewrite the header of \(path): \(error)")
        }
        guard fsync(descriptor) == 0 else { throw failure("fsync", path) }
    }

    private static func failure(_ action: String, _ path: String) -> AuditJournalError {
        AuditJournalError(.io, "cannot \(action) \(path): \(String(cString: strerror(errno)))")
    }
}
