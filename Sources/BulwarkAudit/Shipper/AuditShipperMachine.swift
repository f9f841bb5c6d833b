import Resilience

/// The shipper's decisions, pure: after each attempt, whether to ship again at once, wait for the next
/// interval, or back off; and the one log line per switch between working and failing.
struct AuditShipperMachine: Sendable {
    enum State: String, Sendable, Equatable {
        case caughtUp = "caught_up"
        case shipping
        case failing
    }

    /// What to do next.
    enum Next: Sendable, Equatable {
        /// Read and ship the next batch now (the last one was full).
        case shipAgain
        /// Wait this long, then look again.
        case wait(Duration)
    }

    /// A switch worth one log line.
    enum Switch: Sendable, Equatable {
        /// The first failure after working: its reason.
        case startedFailing(String)
        /// The first success after failing, and how many attempts failed.
        case recovered(failedAttempts: Int)
    }

    let interval: Duration
    let backoff: Backoff
    private(set) var state = State.shipping
    private(set) var failedAttempts = 0
    private(set) var lastError: String?
    private var previousDelay: Duration?

    init(interval: Duration, backoff: Backoff) {
        self.interval = interval
        self.backoff = backoff
    }

    /// A batch of `count` records went out (0: nothing to ship); `full` when it held as many as a
    /// batch may, so more may be waiting.
    mutating func shipped(count: Int, full: Bool) -> (next: Next, switch: Switch?) {
        let change: Switch? = state == .failing ? .recovered(failedAttempts: failedAttempts) : nil
        failedAttempts = 0
        previousDelay = nil
        lastError = nil
        if full && count > 0 {
            state = .shipping
            return (.shipAgain, change)
        }
        state = .caughtUp
        return (.wait(interval), change)
    }

    /// An attempt failed with `reason`; `retryAfter` is the breaker's wait when it rejected the call.
    mutating func failed(_ reason: String, retryAfter: Duration?, using generator: inout some RandomNumberGenerator) -> (next: Next, switch: Switch?) {
        let change: Switch? = state == .failing ? nil : .startedFailing(reason)
        state = .failing
        failedAttempts += 1
        lastError = reason
        var delay = backoff.delay(attempt: failedAttempts, previous: previousDelay, using: &generator)
        if let retryAfter { delay = max(delay, retryAfter) }
        previousDelay = delay
        return (.wait(delay), change)
    }
}
