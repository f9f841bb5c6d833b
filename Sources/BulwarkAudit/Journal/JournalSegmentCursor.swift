/// Walks the records of one segment's bytes, after its header: each intact record, each damaged frame
/// (skipped when its length field can be trusted, else the rest of the segment with it), and a torn
/// tail. Pure: the bytes are read by the caller.
struct JournalSegmentCursor {
    /// One step through the bytes.
    enum Item {
        /// An intact record at `offset`, `length` bytes with its frame.
        case record(AuditRecord, offset: Int, length: Int)
        /// A frame at `offset` that is there but wrong (`reason`); `skipped` bytes are passed over: the
        /// frame, when its length is plausible, else everything to the end of the segment.
        case damaged(offset: Int, reason: String, skipped: Int)
        /// The bytes end inside the record at `offset`; `bytes` are left.
        case torn(offset: Int, bytes: Int)
    }

    private let bytes: [UInt8]
    /// Where the next item starts.
    private(set) var offset: Int

    /// A cursor over `bytes` (a whole segment file), from the first record after the header.
    init(bytes: [UInt8], from offset: Int = JournalSegment.headerBytes) {
        self.bytes = bytes
        self.offset = min(offset, bytes.count)
    }

    /// The next item, nil at the end of the bytes.
    mutating func next() -> Item? {
        guard offset < bytes.count else { return nil }
        let start = offset
        switch AuditRecord.decode(bytes, at: start) {
        case .record(let record, let length):
            offset += length
            return .record(record, offset: start, length: length)
        case .incomplete:
            offset = bytes.count
            return .torn(offset: start, bytes: bytes.count - start)
        case .damaged(let reason):
            let skipped = AuditRecord.plausibleFrameLength(bytes, at: start) ?? (bytes.count - start)
            offset += skipped
            return .damaged(offset: start, reason: reason, skipped: skipped)
        }
    }
}

extension AuditRecord {
    /// The length, frame included, that the record at `offset` claims, when the claim is possible and
    /// the bytes hold it: a damaged record of such a length can be skipped to reach the next one.
    static func plausibleFrameLength(_ bytes: [UInt8], at offset: Int) -> Int? {
        guard bytes.count - offset >= frameHeaderBytes else { return nil }
        var length = 0
        for index in 0..<4 { length |= Int(bytes[offset + index]) << (8 * index) }
        guard length >= payloadHeaderBytes + 2, length <= maximumPayloadBytes,
              bytes.count - offset >= frameHeaderBytes + length else { return nil }
        return frameHeaderBytes + length
    }
}
