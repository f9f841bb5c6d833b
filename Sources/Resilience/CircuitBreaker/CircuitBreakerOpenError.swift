/// Thrown instead of running a call that a ``CircuitBreaker`` rejects. Says which breaker, why, and when
/// calls may pass again; ``Retry`` waits for ``retryAfter`` before trying again.
public struct CircuitBreakerOpenError: Error, RetryAfterProviding, Hashable, CustomStringConvertible {
    /// The breaker's name.
    public var breaker: String
    /// The state that rejected the call: open, forced open, or half-open with every trial slot taken.
    public var state: CircuitBreakerState
    /// How long until the breaker lets trial calls through, when known.
    public var retryAfter: Duration?

    /// Creates the error.
    public init(breaker: String, state: CircuitBreakerState, retryAfter: Duration?) {
        self.breaker = breaker
        self.state = state
        self.retryAfter = retryAfter
    }

    public var description: String {
        switch state {
        case .forcedOpen:
            return "circuit breaker '\(breaker)' was forced open: calls are rejected until it is closed or reset by hand"
        case .halfOpen:
            return "circuit breaker '\(breaker)' is half-open and all its trial calls are in flight: calls are rejected until they finish and it closes"
        default:
            let wait = retryAfter.map { "for another \($0.humanReadable)" } ?? "for now"
            return "circuit breaker '\(breaker)' is open: calls are rejected \(wait), then trial calls decide whether it closes"
        }
    }
}
