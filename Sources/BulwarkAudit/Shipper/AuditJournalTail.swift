import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The shipper's reading place in the journal: the segment and byte offset after the last record it
/// read, so each batch reads only the bytes after it (at most 2 MiB at a time) instead of whole segments.
///
/// It reads without a lock, as ``AuditJournalReader`` does; a record still being written ends the read
/// and is read next time. When it cannot go on by itself (a damaged record, a segment removed, a
/// position moved back), ``read(after:through:limit:directory:)`` returns nil and the caller reads
/// with ``AuditJournalReader``.
struct AuditJournalTail: Sendable {
    private var segment: JournalSegment
    private var offset: Int
    private var nextSequence: UInt64

    /// Bytes read per step: two of the largest records.
    static let chunkBytes = 2 * (AuditRecord.maximumPayloadBytes + AuditRecord.frameHeaderBytes)

    private init(segment: JournalSegment, offset: Int, nextSequence: UInt64) {
        self.segment = segment
        self.offset = offset
        self.nextSequence = nextSequence
    }

    /// Up to `limit` records after `sequence`, none past `durable`, oldest first; nil when the caller
    /// must read another way.
    static func read(_ tail: inout AuditJournalTail?, after sequence: UInt64, through durable: UInt64, limit: Int, directory: String) -> [AuditRecord]? {
        let segments: [JournalSegment]
        do { segments = try JournalFiles.segments(in: directory) } catch { return nil }
        if tail == nil || tail?.nextSequence != sequence + 1 {
            guard let start = segments.last(where: { $0.firstSequence <= sequence + 1 }) ?? segments.first else { return [] }
            tail = AuditJournalTail(segment: start, offset: JournalSegment.headerBytes, nextSequence: sequence + 1)
        }
        var batch: [AuditRecord] = []
        while batch.count < limit, var current = tail {
            guard let bytes = pread(JournalFiles.path(directory, current.segment.fileName), at: current.offset) else {
                tail = nil
                return nil
            }
            var at = 0
            var ended = false
            decoding: while at < bytes.count {
                switch AuditRecord.decode(bytes, at: at) {
                case .record(let record, let length):
                    if record.sequence > durable {
                        ended = true
                        break decoding
                    }
                    at += length
                    guard record.sequence >= current.nextSequence else { continue }
                    batch.append(record)
                    current.nextSequence = record.sequence + 1
                    if batch.count == limit { break decoding }
                case .incomplete:
                    break decoding
                case .damaged:
                    tail = nil
                    return nil
                }
            }
            current.offset += at
            tail = current
            if ended || batch.count == limit { break }
            if at == 0 {
                // Nothing more in this segment for now: go on to the next one, if the writer started it.
                guard let next = segments.first(where: { $0.firstSequence > current.segment.firstSequence }) else { break }
                tail = AuditJournalTail(segment: next, offset: JournalSegment.headerBytes, nextSequence: current.nextSequence)
            }
        }
        return batch
    }

    /// Up to ``chunkBytes`` of the file at `path` from `offset`; nil when it cannot be read.
    private static func pread(_ path: String, at offset: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: chunkBytes)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.pread(descriptor, $0.baseAddress! + filled, $0.count - filled, off_t(offset + filled)) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return bytes
    }
}
