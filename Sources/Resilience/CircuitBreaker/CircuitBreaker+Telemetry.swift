import Logging
import Metrics
import Synchronization

/// Turns ``CircuitBreakerEvent``s into log lines, metrics and the user's event handler.
///
/// Metrics (all labelled `breaker`):
/// - `bulwark_circuit_breaker_state{state}`: 1 for the current state, 0 for the others
/// - `bulwark_circuit_breaker_calls_total{outcome}`: `success`, `slow_success`, `failure`, `slow_failure`,
///   `ignored`, `rejected`
/// - `bulwark_circuit_breaker_transitions_total{from,to}`
struct CircuitBreakerTelemetry: Sendable {
    let name: String
    let logger: Logger
    let onEvent: (@Sendable (CircuitBreakerEvent) -> Void)?
    let stateGauges: [CircuitBreakerState: Gauge]
    let successes: Counter
    let slowSuccesses: Counter
    let failures: Counter
    let slowFailures: Counter
    let ignored: Counter
    let rejected: Counter

    init(configuration: CircuitBreakerConfiguration) {
        name = configuration.name
        logger = configuration.logger
        onEvent = configuration.onEvent
        let breaker = configuration.name
        stateGauges = Dictionary(uniqueKeysWithValues: CircuitBreakerState.allCases.map { state in
            (state, Gauge(label: "bulwark_circuit_breaker_state", dimensions: [("breaker", breaker), ("state", state.rawValue)]))
        })
        func calls(_ outcome: CircuitBreaker.CallOutcome) -> Counter {
            Counter(label: "bulwark_circuit_breaker_calls_total", dimensions: [("breaker", breaker), ("outcome", outcome.rawValue)])
        }
        successes = calls(.success)
        slowSuccesses = calls(.slowSuccess)
        failures = calls(.failure)
        slowFailures = calls(.slowFailure)
        ignored = calls(.ignored)
        rejected = Counter(label: "bulwark_circuit_breaker_calls_total", dimensions: [("breaker", breaker), ("outcome", "rejected")])
        for (state, gauge) in stateGauges { gauge.record(state == .closed ? 1 : 0) }
    }

    /// The hot path: a permitted call finished; no event value is built unless someone listens.
    func recorded(_ outcome: CircuitBreaker.CallOutcome, nanoseconds: Int64) {
        switch outcome {
        case .success: successes.increment()
        case .slowSuccess: slowSuccesses.increment()
        case .failure: failures.increment()
        case .slowFailure: slowFailures.increment()
        case .ignored: ignored.increment()
        }
        if let onEvent { onEvent(.callRecorded(breaker: name, outcome: outcome, duration: .nanoseconds(nanoseconds))) }
    }

    func record(_ event: CircuitBreakerEvent) {
        switch event {
        case .callRecorded(_, let outcome, let duration):
            recorded(outcome, nanoseconds: duration.nanoseconds)
            return
        case .callRejected:
            rejected.increment()
        case .stateChanged(_, let transition):
            stateGauges[transition.from]?.record(0)
            stateGauges[transition.to]?.record(1)
            Counter(label: "bulwark_circuit_breaker_transitions_total",
                    dimensions: [("breaker", name), ("from", transition.from.rawValue), ("to", transition.to.rawValue)]).increment()
            let message: Logger.Message = "circuit breaker '\(name)' \(transition.from) → \(transition.to)"
            let metadata: Logger.Metadata = ["breaker": "\(name)", "from": "\(transition.from)", "to": "\(transition.to)"]
            if transition.to == .open || transition.to == .forcedOpen {
                logger.warning(message, metadata: metadata)
            } else {
                logger.info(message, metadata: metadata)
            }
        }
        onEvent?(event)
    }
}
