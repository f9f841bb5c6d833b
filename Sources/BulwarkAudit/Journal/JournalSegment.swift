/// A segment file of the journal: `segment-<16 hex digits of its first sequence>.log`, which starts with a
/// 16-byte header (`BWAUDIT1`, then the first sequence as u64 little-endian) followed by records framed
/// as ``AuditRecord/encode(_:sequence:previousHash:)`` frames them.
struct JournalSegment: Sendable, Hashable, Comparable {
    /// The sequence of the segment's first record (the name and the header both say it).
    let firstSequence: UInt64

    /// The header's size in bytes.
    static let headerBytes = 16
    /// The header's first 8 bytes.
    static let magic = Array("BWAUDIT1".utf8)

    init(firstSequence: UInt64) {
        self.firstSequence = firstSequence
    }

    /// The segment a file name denotes, nil for any other file (the lock, the anchor, a temp file).
    init?(fileName: String) {
        guard fileName.hasPrefix("segment-"), fileName.hasSuffix(".log") else { return nil }
        let digits = fileName.dropFirst("segment-".count).dropLast(".log".count)
        guard digits.count == 16, let value = UInt64(digits, radix: 16) else { return nil }
        self.firstSequence = value
    }

    /// `segment-0000000000000001.log`.
    var fileName: String {
        let digits = String(firstSequence, radix: 16)
        return "segment-" + String(repeating: "0", count: 16 - digits.count) + digits + ".log"
    }

    /// The 16 header bytes.
    var header: [UInt8] {
        var bytes = Self.magic
        withUnsafeBytes(of: firstSequence.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// What a file's first bytes say about its header.
    enum HeaderCheck: Sendable, Equatable {
        /// The right magic and first sequence.
        case valid
        /// Fewer than 16 bytes (a file cut short while it was being created).
        case incomplete
        /// Sixteen bytes, but wrong: `reason` says how.
        case damaged(reason: String)
    }

    /// Checks the header at the start of `bytes`.
    func checkHeader(_ bytes: some RandomAccessCollection<UInt8>) -> HeaderCheck {
        guard bytes.count >= Self.headerBytes else { return .incomplete }
        let prefix = Array(bytes.prefix(Self.headerBytes))
        guard Array(prefix[0..<8]) == Self.magic else { return .damaged(reason: "the header does not start with BWAUDIT1") }
        var value: UInt64 = 0
        for (index, byte) in prefix[8..<16].enumerated() { value |= UInt64(byte) << (8 * UInt64(index)) }
        guard value == firstSequence else {
            return .damaged(reason: "the header says the first record is \(value), the file name says \(firstSequence)")
        }
        return .valid
    }

    static func < (lhs: JournalSegment, rhs: JournalSegment) -> Bool { lhs.firstSequence < rhs.firstSequence }
}
