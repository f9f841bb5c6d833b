import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Retention: which old segments may go, and removing them. Only a run of the oldest segments is ever
/// removed (a gap in the middle would read as removed records), never the last one nor the one being
/// written.
enum JournalRetention {
    /// Whether a segment whose last record is `lastSequence`, written at `lastTime`, may be removed.
    static func isRemovable(lastSequence: UInt64, lastTime: Date, shippedThrough: UInt64?, olderThan cutoff: Date) -> Bool {
        if let shippedThrough, lastSequence > shippedThrough { return false }
        return lastTime < cutoff
    }

    /// Removes the removable oldest segments of the journal in `directory`.
    /// - Returns: Each removed file's name and size.
    static func remove(
        in directory: String, current: JournalSegment, shippedThrough: UInt64?, olderThan cutoff: Date
    ) throws(AuditJournalError) -> [(name: String, bytes: Int)] {
        let segments = try JournalFiles.segments(in: directory)
        var removed: [(name: String, bytes: Int)] = []
        for (segment, next) in zip(segments, segments.dropFirst()) {
            guard segment < current, let lastTime = lastRecordTime(of: segment, in: directory) else { break }
            guard isRemovable(lastSequence: next.firstSequence - 1, lastTime: lastTime, shippedThrough: shippedThrough, olderThan: cutoff) else { break }
            let path = JournalFiles.path(directory, segment.fileName)
            let bytes = JournalFiles.size(path)
            guard unlink(path) == 0 else {
                throw AuditJournalError(.io, "cannot remove \(path): \(String(cString: strerror(errno)))")
            }
            removed.append((segment.fileName, bytes))
        }
        if !removed.isEmpty {
            do {
                try JournalFiles.syncDirectory(directory)
            } catch {
                throw AuditJournalError(.io, "cannot sync \(directory) after removing segments: \(error)")
            }
        }
        return removed
    }

    /// The time of the segment's last intact record; the file's modification time when none is intact.
    private static func lastRecordTime(of segment: JournalSegment, in directory: String) -> Date? {
        let path = JournalFiles.path(directory, segment.fileName)
        guard let bytes = try? JournalFiles.read(path) else { return nil }
        var cursor = JournalSegmentCursor(bytes: bytes)
        var time: Date?
        while let item = cursor.next() {
            if case .record(let record, _, _) = item { time = record.entry.time }
        }
        if let time { return time }
        return (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}
