/// What happened in a ``Bulkhead``. Subscribe through ``BulkheadConfiguration/onEvent``.
public enum BulkheadEvent: Sendable, Hashable {
    /// A call got a slot (`queued` when it had to wait for one).
    case callPermitted(bulkhead: String, queued: Bool)
    /// A call was rejected.
    case callRejected(bulkhead: String, reason: BulkheadFullError.Reason)
    /// A call gave its slot back.
    case callFinished(bulkhead: String)
}

/// Thrown when a ``Bulkhead`` has no slot for a call.
public struct BulkheadFullError: Error, Hashable, CustomStringConvertible {
    /// Why the call was rejected.
    public enum Reason: String, Sendable, Hashable {
        /// Every slot and every queue place was taken.
        case full
        /// The call queued but no slot freed up within ``BulkheadConfiguration/maxWaitDuration``.
        case waitTimedOut = "wait_timed_out"
    }

    /// The bulkhead's name.
    public var bulkhead: String
    /// Why the call was rejected.
    public var reason: Reason
    /// The bulkhead's concurrency limit.
    public var maxConcurrentCalls: Int
    /// The bulkhead's queue limit.
    public var maxWaitingCalls: Int
    /// How long a queued call may wait.
    public var maxWaitDuration: Duration

    public var description: String {
        switch reason {
        case .full:
            return "bulkhead '\(bulkhead)' is full: all \(maxConcurrentCalls) slots are in use"
                + (maxWaitingCalls > 0 ? " and \(maxWaitingCalls) calls are already waiting" : "")
                + "; the call was rejected without running"
        case .waitTimedOut:
            return "bulkhead '\(bulkhead)': no slot of \(maxConcurrentCalls) freed up within \(maxWaitDuration.humanReadable); the call was rejected without running"
        }
    }
}
