import Foundation

/// `bulwark audit verify`: reads a journal (without a lock, so it works while a writer has it open) and
/// reports every problem with its segment, offset and sequence.
///
/// It checks each segment's header; each record's frame (length, CRC-32C, JSON); that sequences follow
/// without gaps and each record carries the previous record's hash, within and across segments (a
/// first segment starting past record 1 is fine: retention removed the older ones); a torn tail; and
/// the anchors: `<journal>/anchor` and, when given, an external one (the database's). An anchor's record
/// must be in the journal with the anchor's hash: another hash means the journal was rewritten, a
/// journal ending before it means records were removed.
public enum AuditVerifier {
    /// Verifies the journal in `directory`.
    /// - Parameters:
    ///   - from: Check from this record on (its own link is taken as given); nil checks everything.
    ///   - externalAnchor: An anchor kept elsewhere (the database's), checked like the anchor file.
    /// - Throws: ``AuditJournalError`` when the directory or a segment cannot be read.
    public static func verify(directory: String, from: UInt64? = nil, externalAnchor: AuditAnchor? = nil) throws -> AuditVerification {
        // The anchor is read first: it is written after its record is durable, so the segments read
        // after it hold that record.
        var anchors: [(AuditAnchor, String)] = []
        var anchorProblem: String?
        do {
            if let anchor = try AuditAnchor.read(directory: directory) { anchors.append((anchor, "the anchor file")) }
        } catch {
            anchorProblem = "\(error)"
        }
        if let externalAnchor { anchors.append((externalAnchor, "the external anchor")) }

        let segments = try JournalFiles.segments(in: directory)
        var walk = JournalVerificationWalk(from: from, wanted: Set(anchors.map { $0.0.sequence }))
        for (index, segment) in segments.enumerated() {
            if let from, index + 1 < segments.count, segments[index + 1].firstSequence <= from { continue }
            let isLast = index == segments.count - 1
            guard let bytes = try read(segment, in: directory, isLast: isLast) else { continue }
            walk.check(segment, bytes: bytes, isLast: isLast)
        }
        let end = walk.end ?? AuditRecordPosition(segment: segments.last?.fileName ?? AuditAnchor.fileName, offset: JournalSegment.headerBytes, sequence: nil)
        if let anchorProblem { walk.report(AuditRecordPosition(segment: AuditAnchor.fileName, offset: 0, sequence: nil), anchorProblem) }
        for (anchor, name) in anchors { check(anchor, named: name, against: &walk, end: end) }
        return AuditVerification(
            recordsChecked: walk.recordsChecked, firstSequence: walk.firstSequence, lastSequence: walk.lastSequence,
            head: walk.head.map(JournalHex.encode), problems: walk.problems
        )
    }

    private static func check(_ anchor: AuditAnchor, named name: String, against walk: inout JournalVerificationWalk, end: AuditRecordPosition) {
        guard let hash = JournalHex.decode(anchor.hash), hash.count == 32 else {
            walk.report(AuditRecordPosition(segment: end.segment, offset: end.offset, sequence: anchor.sequence), "\(name) holds no valid hash: \(anchor.hash)")
            return
        }
        if let found = walk.found[anchor.sequence] {
            if found.hash != hash {
                walk.report(found.position, "\(name) says record \(anchor.sequence) has hash \(anchor.hash), the journal's has \(JournalHex.encode(found.hash)): the journal was rewritten")
            }
        } else if anchor.sequence > (walk.lastSequence ?? 0) {
            let ending = walk.lastSequence.map { "ends at record \($0)" } ?? "holds no record"
            walk.report(AuditRecordPosition(segment: end.segment, offset: end.offset, sequence: anchor.sequence),
                        "\(name) names record \(anchor.sequence) (taken \(anchor.time)), but the journal \(ending): records were removed")
        }
        // Otherwise the record is before the first one checked (retention, or `from`): nothing to compare.
    }

    /// The segment's bytes; for the newest segment, read again (at most twice) while it ends inside a
    /// record and has grown, so a record being written by a live writer is not taken for a torn tail.
    private static func read(_ segment: JournalSegment, in directory: String, isLast: Bool) throws -> [UInt8]? {
        let path = JournalFiles.path(directory, segment.fileName)
        var bytes: [UInt8]
        do {
            bytes = try JournalFiles.read(path)
        } catch {
            if !FileManager.default.fileExists(atPath: path) { return nil }
            throw error
        }
        guard isLast else { return bytes }
        for _ in 0..<2 where JournalSegmentCursor.endsInsideRecord(bytes) {
            guard let again = try? JournalFiles.read(path), again.count > bytes.count else { break }
            bytes = again
        }
        return bytes
    }
}

extension JournalSegmentCursor {
    /// Whether the frames of `bytes`, followed by their length fields alone, end past the bytes' end.
    static func endsInsideRecord(_ bytes: [UInt8]) -> Bool {
        var offset = JournalSegment.headerBytes
        while offset < bytes.count {
            guard bytes.count - offset >= AuditRecord.frameHeaderBytes else { return true }
            var length = 0
            for index in 0..<4 { length |= Int(bytes[offset + index]) << (8 * index) }
            guard length >= AuditRecord.payloadHeaderBytes + 2, length <= AuditRecord.maximumPayloadBytes else { return false }
            offset += AuditRecord.frameHeaderBytes + length
        }
        return offset > bytes.count
    }
}
