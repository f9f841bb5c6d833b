/// Where events are written: the journal (``AuditJournal``) behind an ``AuditLog``. The gateway and the
/// admin API see only this, so they never wait on a lock or block an event loop.
public protocol AuditRecording: Sendable {
    /// Appends `entry`. `completion` (when given) is called once, on a journal thread, when the record is
    /// on disk (`waitForDisk`, one `fsync` shared by every record waiting) or written to the file
    /// (otherwise), or with why it could not be. Never blocks the caller.
    func append(_ entry: AuditEntry, waitForDisk: Bool, completion: (@Sendable (Result<Void, AuditUnavailable>) -> Void)?)

    /// Whether the journal is taking records: false after a write or `fsync` failed (disk full, file
    /// too large, unwritable) until one succeeds again.
    var isAvailable: Bool { get }
}

/// The journal could not take a record: `reason` says why (no secret and no record content in it).
public struct AuditUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why, e.g. `write failed: No space left on device`.
    public var reason: String

    /// An error saying `reason`.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { "the audit journal is unavailable: \(reason)" }
}
