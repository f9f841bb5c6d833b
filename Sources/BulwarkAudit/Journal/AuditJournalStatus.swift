/// What the journal has done since it was opened, and where its chain stands.
public struct AuditJournalStatus: Sendable, Equatable {
    /// The last record written (0 for an empty journal).
    public var lastSequence: UInt64
    /// The last record known to be on disk (`fsync`ed).
    public var durableSequence: UInt64
    /// The last record's hash, hexadecimal (64 zeros for an empty journal).
    public var head: String
    /// Bytes the segment files hold.
    public var bytes: Int
    /// Segment files in the journal.
    public var segments: Int
    /// Whether the journal takes records (see ``AuditJournal/isAvailable``).
    public var available: Bool
    /// Why the last write or `fsync` failed, e.g. `write failed: File too large`; nil once one succeeds.
    public var lastFailure: String?
    /// Records written since the journal was opened.
    public var eventsWritten: Int
    /// Batches written since the journal was opened (group commit: each takes every waiting record).
    public var batches: Int
    /// Records in the last batch.
    public var lastBatchSize: Int

    /// A status with the given values.
    public init(
        lastSequence: UInt64 = 0, durableSequence: UInt64 = 0, head: String = "", bytes: Int = 0, segments: Int = 0,
        available: Bool = true, lastFailure: String? = nil, eventsWritten: Int = 0, batches: Int = 0, lastBatchSize: Int = 0
    ) {
        self.lastSequence = lastSequence
        self.durableSequence = durableSequence
        self.head = head
        self.bytes = bytes
        self.segments = segments
        self.available = available
        self.lastFailure = lastFailure
        self.eventsWritten = eventsWritten
        self.batches = batches
        self.lastBatchSize = lastBatchSize
    }
}
