@testable import Resilience

/// Drives a ``CircuitBreaker/StateMachine`` in tests: a reference around the value so that mutating
/// calls can sit inside `#expect`, recording every transition.
final class CircuitBreakerDriver {
    var machine: CircuitBreaker.StateMachine
    var now: Duration = .zero
    private(set) var transitions: [CircuitBreakerTransition] = []

    init(_ configuration: CircuitBreakerConfiguration) {
        machine = CircuitBreaker.StateMachine(configuration: configuration)
    }

    var state: CircuitBreakerState { machine.state }

    /// Asks for a permit at the current time; `nil` when rejected.
    func acquire() -> CircuitBreaker.Ticket? {
        let (admission, transition) = machine.callRequested(at: now)
        note(transition)
        if case .permitted(let ticket) = admission { return ticket }
        return nil
    }

    func admission() -> CircuitBreaker.Admission {
        let (admission, transition) = machine.callRequested(at: now)
        note(transition)
        return admission
    }

    @discardableResult
    func finish(_ ticket: CircuitBreaker.Ticket, _ result: CircuitBreaker.CallResult, after duration: Duration = .zero) -> CircuitBreaker.CallOutcome? {
        now += duration
        let (outcome, transition) = machine.callFinished(result, ticket: ticket, at: now)
        note(transition)
        return outcome
    }

    /// One call that starts and ends at once (or after `duration`).
    @discardableResult
    func call(_ result: CircuitBreaker.CallResult, taking duration: Duration = .zero) -> Bool {
        guard let ticket = acquire() else { return false }
        finish(ticket, result, after: duration)
        return true
    }

    func advance(_ duration: Duration) {
        now += duration
        note(machine.timePassed(at: now))
    }

    func apply(_ change: (inout CircuitBreaker.StateMachine) -> CircuitBreakerTransition?) {
        note(change(&machine))
    }

    func totals() -> CircuitBreaker.WindowTotals { machine.windowTotals(at: now) }

    private func note(_ transition: CircuitBreakerTransition?) {
        if let transition { transitions.append(transition) }
    }
}
