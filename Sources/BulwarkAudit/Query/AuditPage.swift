/// One page of audit events: newest first, a request's `request` and `completed` records merged into
/// one entry, and the cursor of the next (older) page when there is one.
public struct AuditPage: Sendable, Equatable {
    /// The events, newest first.
    public var events: [AuditEntry]
    /// Pass as ``AuditQuery/cursor`` for the next page; nil on the last page.
    public var nextCursor: String?

    /// A page of `events`.
    public init(events: [AuditEntry], nextCursor: String?) {
        self.events = events
        self.nextCursor = nextCursor
    }
}
