import Synchronization

/// Stops calling a dependency that keeps failing, so that it can recover and callers fail fast.
///
/// ```swift
/// let breaker = try CircuitBreaker(CircuitBreakerConfiguration(name: "payments", consecutiveFailureThreshold: 5))
/// let receipt = try await breaker.execute { try await payments.charge(order) }
/// ```
///
/// A rejected call throws ``CircuitBreakerOpenError`` at once. States, thresholds and windows work as in
/// Resilience4j; see ``CircuitBreakerConfiguration``. The decisions live in ``StateMachine``; this class
/// holds it under a lock, reads the clock and reports events after unlocking.
public final class CircuitBreaker: ResilienceGuard {
    /// The settings this breaker runs with.
    public let configuration: CircuitBreakerConfiguration
    private let clock: PolicyClock
    private let machine: Mutex<StateMachine>
    private let telemetry: CircuitBreakerTelemetry

    /// Creates a closed breaker.
    /// - Parameters:
    ///   - configuration: thresholds, window, open duration; see ``CircuitBreakerConfiguration``.
    ///   - clock: the clock durations are measured on. Defaults to `ContinuousClock`.
    /// - Throws: ``ConfigurationError`` naming every invalid setting.
    public init(
        _ configuration: CircuitBreakerConfiguration = CircuitBreakerConfiguration(),
        clock: any Clock<Duration> = ContinuousClock()
    ) throws(ConfigurationError) {
        try ConfigurationValidator.check(configuration.validationIssues())
        self.configuration = configuration
        self.clock = PolicyClock(clock)
        self.machine = Mutex(StateMachine(configuration: configuration))
        self.telemetry = CircuitBreakerTelemetry(configuration: configuration)
    }

    /// The breaker's name.
    public var name: String { configuration.name }

    public func execute<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        let ticket = try admit()
        let value: T
        do {
            value = try await operation()
        } catch {
            finish(classify(error), ticket: ticket)
            throw error
        }
        succeeded(ticket, returning: value)
        return value
    }

    public func admitNow() throws -> GuardToken? {
        let ticket = try admit()
        return GuardToken(ticket.generation, ticket.startedAtNanoseconds)
    }

    public func succeeded<T: Sendable>(_ token: GuardToken, returning value: T) {
        succeeded(Ticket(generation: token.first, startedAtNanoseconds: token.second), returning: value)
    }

    public func failed(_ token: GuardToken, error: any Error) {
        finish(classify(error), ticket: Ticket(generation: token.first, startedAtNanoseconds: token.second))
    }

    func succeeded<T: Sendable>(_ ticket: Ticket, returning value: T) {
        if let isFailureResult = configuration.isFailureResult, isFailureResult(value) {
            finish(.failed, ticket: ticket)
        } else {
            finish(.succeeded, ticket: ticket)
        }
    }

    /// Asks to make one call; report its outcome through the returned permit.
    /// - Throws: ``CircuitBreakerOpenError`` when the breaker rejects the call.
    public func acquire() throws(CircuitBreakerOpenError) -> CircuitBreakerPermit {
        CircuitBreakerPermit(breaker: self, ticket: try admit())
    }

    /// Admits a call or throws the rejection; the ticket identifies it when it finishes.
    func admit() throws(CircuitBreakerOpenError) -> Ticket {
        let now = clock.nowNanoseconds()
        let (admission, transition) = machine.withLock { $0.callRequested(atNanoseconds: now) }
        if let transition { telemetry.record(.stateChanged(breaker: name, transition: transition)) }
        switch admission {
        case .permitted(let ticket):
            return ticket
        case .rejected(let state, let retryAfter):
            telemetry.record(.callRejected(breaker: name, state: state))
            throw CircuitBreakerOpenError(breaker: name, state: state, retryAfter: retryAfter)
        }
    }

    /// The current state. An open breaker whose open duration has elapsed reports (and becomes) half-open.
    public var state: CircuitBreakerState {
        let now = clock.now()
        let (state, transition) = machine.withLock { machine in
            let transition = machine.timePassed(at: now)
            return (machine.state, transition)
        }
        if let transition { telemetry.record(.stateChanged(breaker: name, transition: transition)) }
        return state
    }

    /// Calls and rates over the current window (in half-open: over the trial calls so far).
    public var windowTotals: WindowTotals {
        let now = clock.now()
        return machine.withLock { $0.windowTotals(at: now) }
    }

    /// Opens by hand: calls are rejected until ``close()`` or ``reset()``.
    public func forceOpen() { apply { $0.forceOpen() } }
    /// Switches the breaker off: calls pass and nothing is recorded, until ``close()`` or ``reset()``.
    public func disable() { apply { $0.disable() } }
    /// Closes by hand with an empty window.
    public func close() { apply { $0.close() } }
    /// Returns to the initial state: closed, empty window, open duration back to its base.
    public func reset() { apply { $0.reset() } }

    private func apply(_ change: (inout StateMachine) -> CircuitBreakerTransition?) {
        if let transition = machine.withLock({ change(&$0) }) {
            telemetry.record(.stateChanged(breaker: name, transition: transition))
        }
    }

    func classify(_ error: any Error) -> CallResult {
        if configuration.isIgnored(error) { return .ignored }
        return configuration.isFailure(error) ? .failed : .succeeded
    }

    func finish(_ result: CallResult, ticket: Ticket) {
        let now = clock.nowNanoseconds()
        let (outcome, transition) = machine.withLock { $0.callFinished(result, ticket: ticket, atNanoseconds: now) }
        if let outcome {
            telemetry.recorded(outcome, nanoseconds: now &- ticket.startedAtNanoseconds)
        }
        if let transition { telemetry.record(.stateChanged(breaker: name, transition: transition)) }
    }
}
