/// How far the shipper has copied the journal to the store.
public struct AuditShipperStatus: Sendable, Equatable, Codable {
    /// The last record in the store (the position file's sequence).
    public var shippedSequence: UInt64
    /// Records in the journal not in the store yet: the journal's last sequence − ``shippedSequence``.
    public var lagEvents: Int
    /// How old the oldest record not shipped yet is, in seconds; 0 when caught up.
    public var lagSeconds: Double
    /// `caught_up` (nothing to ship), `shipping` (a backlog going out) or `failing` (the store is
    /// unreachable or refusing; retried with backoff).
    public var state: String
    /// Why the last attempt failed, while ``state`` is `failing` (never with the database password).
    public var lastError: String?

    /// A status with these values.
    public init(shippedSequence: UInt64, lagEvents: Int, lagSeconds: Double, state: String, lastError: String?) {
        self.shippedSequence = shippedSequence
        self.lagEvents = lagEvents
        self.lagSeconds = lagSeconds
        self.state = state
        self.lastError = lastError
    }
}
