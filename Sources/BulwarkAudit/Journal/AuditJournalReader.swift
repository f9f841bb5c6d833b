import Foundation

/// Reads a journal's records in order, without a lock: it works while a writer has the journal open
/// (a record being written at that moment is left for the next read).
///
/// ```swift
/// try AuditJournalReader(directory: "/var/lib/bulwark/audit").forEachRecord(from: 1_001) { record, position in
///     print(position.sequence ?? 0, record.entry.kind)
///     return true   // false stops
/// }
/// ```
public struct AuditJournalReader: Sendable {
    /// The journal's directory.
    public let directory: String

    /// A reader of the journal in `directory`.
    /// - Throws: ``AuditJournalError`` `.missing` when there is no such directory.
    public init(directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AuditJournalError(.missing, "no audit journal at \(directory)")
        }
        self.directory = directory
    }

    /// Calls `body` with each intact record from `sequence` on, oldest first, and its position, until
    /// `body` returns false or the intact data ends (a torn tail). A damaged record is passed over (its
    /// segment's later records too, when its length cannot be trusted); ``AuditVerifier`` reports it.
    public func forEachRecord(from sequence: UInt64 = 1, _ body: (AuditRecord, AuditRecordPosition) throws -> Bool) throws {
        let segments = try JournalFiles.segments(in: directory)
        for (index, segment) in segments.enumerated() {
            if index + 1 < segments.count, segments[index + 1].firstSequence <= sequence { continue }
            guard let bytes = try read(segment), segment.checkHeader(bytes) != .incomplete else { continue }
            var cursor = JournalSegmentCursor(bytes: bytes)
            while let item = cursor.next() {
                guard case .record(let record, let offset, _) = item, record.sequence >= sequence else { continue }
                let position = AuditRecordPosition(segment: segment.fileName, offset: offset, sequence: record.sequence)
                guard try body(record, position) else { return }
            }
        }
    }

    /// The last intact record's sequence (0 for an empty journal), found by reading the newest segment
    /// that holds a record.
    public var lastSequence: UInt64 {
        get throws {
            let segments = try JournalFiles.segments(in: directory)
            for segment in segments.reversed() {
                guard let bytes = try read(segment) else { continue }
                var cursor = JournalSegmentCursor(bytes: bytes)
                var last: UInt64?
                while let item = cursor.next() {
                    if case .record(let record, _, _) = item { last = record.sequence }
                }
                if let last { return last }
            }
            return 0
        }
    }

    /// The segment's bytes, nil when it was removed (by retention) since the directory was listed.
    private func read(_ segment: JournalSegment) throws -> [UInt8]? {
        let path = JournalFiles.path(directory, segment.fileName)
        do {
            return try JournalFiles.read(path)
        } catch {
            if !FileManager.default.fileExists(atPath: path) { return nil }
            throw error
        }
    }
}
