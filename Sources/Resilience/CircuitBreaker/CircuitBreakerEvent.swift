/// What happened in a ``CircuitBreaker``. Subscribe through ``CircuitBreakerConfiguration/onEvent``.
public enum CircuitBreakerEvent: Sendable, Hashable {
    /// The state changed.
    case stateChanged(breaker: String, transition: CircuitBreakerTransition)
    /// A call was rejected without running.
    case callRejected(breaker: String, state: CircuitBreakerState)
    /// A permitted call finished and was classified.
    case callRecorded(breaker: String, outcome: CircuitBreaker.CallOutcome, duration: Duration)
}
