/// Where a record is, or would be: its segment file, its byte offset in it, and its sequence when known.
public struct AuditRecordPosition: Sendable, Equatable, CustomStringConvertible {
    /// The segment file's name, e.g. `segment-0000000000000001.log`.
    public var segment: String
    /// The byte offset of the record's frame in the segment.
    public var offset: Int
    /// The record's sequence (the one expected there, for a damaged record), nil when unknown.
    public var sequence: UInt64?

    /// A position in `segment` at `offset`, of record `sequence`.
    public init(segment: String, offset: Int, sequence: UInt64?) {
        self.segment = segment
        self.offset = offset
        self.sequence = sequence
    }

    /// `segment-0000000000000001.log offset 4096, record 17`.
    public var description: String {
        "\(segment) offset \(offset)" + (sequence.map { ", record \($0)" } ?? "")
    }
}
