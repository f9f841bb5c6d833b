extension CircuitBreaker {
    /// A call's admission ticket: which state generation admitted it and when it started. Outcomes of
    /// calls admitted before the latest state change are not counted towards the new state.
    public struct Ticket: Sendable, Hashable {
        /// Incremented at every state change.
        public let generation: UInt64
        /// When the call started, in nanoseconds on the breaker's clock (kept to 8 bytes so that a permit
        /// fits in an existential's inline buffer).
        let startedAtNanoseconds: Int64

        init(generation: UInt64, startedAt: Duration) {
            self.init(generation: generation, startedAtNanoseconds: startedAt.nanoseconds)
        }

        init(generation: UInt64, startedAtNanoseconds: Int64) {
            self.generation = generation
            self.startedAtNanoseconds = startedAtNanoseconds
        }

        /// When the call started, on the breaker's clock.
        public var startedAt: Duration { .nanoseconds(startedAtNanoseconds) }
    }

    /// How a finished call ended, as the breaker classifies it.
    public enum CallOutcome: String, Sendable, Hashable, CaseIterable {
        /// Succeeded in less than the slow-call duration.
        case success
        /// Succeeded, but took at least the slow-call duration.
        case slowSuccess = "slow_success"
        /// Failed in less than the slow-call duration.
        case failure
        /// Failed after at least the slow-call duration.
        case slowFailure = "slow_failure"
        /// Neither success nor failure (e.g. cancellation); frees a half-open trial slot.
        case ignored

        var isFailure: Bool { self == .failure || self == .slowFailure }
        var isSlow: Bool { self == .slowSuccess || self == .slowFailure }
    }

    /// What a finished call reports: the breaker adds slowness from the call's duration.
    public enum CallResult: Sendable, Hashable {
        /// The call succeeded.
        case succeeded
        /// The call failed.
        case failed
        /// The call ended in a way that says nothing about the dependency.
        case ignored
    }

    /// The answer to "may this call go ahead?".
    public enum Admission: Sendable, Hashable {
        /// Go ahead; report the outcome with this ticket.
        case permitted(Ticket)
        /// Rejected; `retryAfter` is how long until trial calls are let through, when known.
        case rejected(state: CircuitBreakerState, retryAfter: Duration?)
    }

    /// The circuit breaker's decisions as a pure value. Every method takes `now` (time on the breaker's
    /// clock) and returns what happened; it never reads a clock, locks or performs I/O.
    public struct StateMachine: Sendable {
        private let configuration: Settings
        /// The current state.
        public private(set) var state: CircuitBreakerState = .closed
        /// Incremented at every transition; tickets from older generations are stale.
        public private(set) var generation: UInt64 = 0
        private var window: CallWindow
        private var consecutiveFailures = 0
        /// Trips since the breaker last closed normally; drives the growing open duration.
        public private(set) var consecutiveTrips = 0
        /// When the open state ends, in nanoseconds.
        private var openUntilNanoseconds: Int64 = 0
        /// When the open state ends.
        public var openUntil: Duration { .nanoseconds(openUntilNanoseconds) }
        /// Trial calls admitted in the current half-open state and not yet finished.
        public private(set) var halfOpenInFlight = 0
        private var halfOpenTotals = WindowTotals()

        /// The numbers a machine needs from ``CircuitBreakerConfiguration`` (no closures, no logger).
        struct Settings: Sendable {
            var failureRateThreshold: Double
            var slowCallRateThreshold: Double
            var slowCallNanoseconds: Int64
            var minimumNumberOfCalls: Int
            var consecutiveFailureThreshold: Int?
            var openDuration: Duration
            var openDurationMultiplier: Double
            var maximumOpenDuration: Duration
            var permittedCallsInHalfOpen: Int
        }

        /// A closed breaker with `configuration`'s thresholds.
        public init(configuration: CircuitBreakerConfiguration) {
            self.configuration = Settings(
                failureRateThreshold: configuration.failureRateThreshold,
                slowCallRateThreshold: configuration.slowCallRateThreshold,
                slowCallNanoseconds: configuration.slowCallDurationThreshold.nanoseconds,
                minimumNumberOfCalls: configuration.minimumNumberOfCalls,
                consecutiveFailureThreshold: configuration.consecutiveFailureThreshold,
                openDuration: configuration.openDuration,
                openDurationMultiplier: configuration.openDurationMultiplier,
                maximumOpenDuration: configuration.maximumOpenDuration,
                permittedCallsInHalfOpen: configuration.permittedCallsInHalfOpen
            )
            self.window = CallWindow(configuration.slidingWindow)
        }

        // MARK: Events

        /// A call wants to start at `now`. An open breaker whose open duration has elapsed turns half-open first.
        public mutating func callRequested(at now: Duration) -> (Admission, CircuitBreakerTransition?) {
            callRequested(atNanoseconds: now.nanoseconds)
        }

        /// ``callRequested(at:)`` with `now` in nanoseconds (the shell's hot path: no 128-bit arithmetic).
        mutating func callRequested(atNanoseconds now: Int64) -> (Admission, CircuitBreakerTransition?) {
            let transition = timePassed(atNanoseconds: now)
            switch state {
            case .closed, .disabled:
                return (.permitted(Ticket(generation: generation, startedAtNanoseconds: now)), transition)
            case .open:
                return (.rejected(state: .open, retryAfter: .nanoseconds(openUntilNanoseconds - now)), transition)
            case .forcedOpen:
                return (.rejected(state: .forcedOpen, retryAfter: nil), transition)
            case .halfOpen:
                guard halfOpenInFlight + halfOpenTotals.calls < configuration.permittedCallsInHalfOpen else {
                    return (.rejected(state: .halfOpen, retryAfter: nil), transition)
                }
                halfOpenInFlight += 1
                return (.permitted(Ticket(generation: generation, startedAtNanoseconds: now)), transition)
            }
        }

        /// A call admitted with `ticket` finished at `now` with `result`.
        /// - Returns: how the call was classified (`nil` when its ticket is stale or the breaker disabled)
        ///   and the transition it caused, if any.
        public mutating func callFinished(
            _ result: CallResult,
            ticket: Ticket,
            at now: Duration
        ) -> (CallOutcome?, CircuitBreakerTransition?) {
            callFinished(result, ticket: ticket, atNanoseconds: now.nanoseconds)
        }

        /// ``callFinished(_:ticket:at:)`` with `now` in nanoseconds.
        mutating func callFinished(
            _ result: CallResult,
            ticket: Ticket,
            atNanoseconds now: Int64
        ) -> (CallOutcome?, CircuitBreakerTransition?) {
            let slow = now &- ticket.startedAtNanoseconds >= configuration.slowCallNanoseconds
            let outcome: CallOutcome = switch result {
            case .succeeded: slow ? .slowSuccess : .success
            case .failed: slow ? .slowFailure : .failure
            case .ignored: .ignored
            }
            guard ticket.generation == generation, state != .disabled else { return (nil, nil) }
            switch state {
            case .closed:
                guard outcome != .ignored else { return (outcome, nil) }
                window.record(failed: outcome.isFailure, slow: outcome.isSlow, atNanoseconds: now)
                consecutiveFailures = outcome.isFailure ? consecutiveFailures + 1 : 0
                return (outcome, shouldTripWhileClosed(at: now) ? trip(at: now) : nil)
            case .halfOpen:
                halfOpenInFlight -= 1
                guard outcome != .ignored else { return (outcome, nil) }
                halfOpenTotals.add(failed: outcome.isFailure, slow: outcome.isSlow)
                if outcome.isFailure, configuration.consecutiveFailureThreshold != nil {
                    return (outcome, trip(at: now))
                }
                guard halfOpenTotals.calls >= configuration.permittedCallsInHalfOpen else { return (outcome, nil) }
                if exceedsThresholds(halfOpenTotals) { return (outcome, trip(at: now)) }
                consecutiveTrips = 0
                return (outcome, move(to: .closed))
            case .open, .forcedOpen, .disabled:
                return (outcome, nil)
            }
        }

        /// Time passed: an open breaker whose open duration has elapsed turns half-open.
        public mutating func timePassed(at now: Duration) -> CircuitBreakerTransition? {
            timePassed(atNanoseconds: now.nanoseconds)
        }

        /// ``timePassed(at:)`` with `now` in nanoseconds.
        mutating func timePassed(atNanoseconds now: Int64) -> CircuitBreakerTransition? {
            guard state == .open, now >= openUntilNanoseconds else { return nil }
            return move(to: .halfOpen)
        }

        /// Opens by hand until ``close()`` or ``reset()``.
        public mutating func forceOpen() -> CircuitBreakerTransition? { move(to: .forcedOpen) }

        /// Stops guarding: every call passes and nothing is recorded, until ``close()`` or ``reset()``.
        public mutating func disable() -> CircuitBreakerTransition? { move(to: .disabled) }

        /// Closes by hand with an empty window; the growth of the open duration is kept.
        public mutating func close() -> CircuitBreakerTransition? { move(to: .closed) }

        /// Back to a new breaker: closed, empty window, open duration back to its base.
        public mutating func reset() -> CircuitBreakerTransition? {
            consecutiveTrips = 0
            let transition = move(to: .closed)
            window.reset()
            consecutiveFailures = 0
            return transition
        }

        /// The rates over the current window (time-based windows drop what slid out by `now`).
        public mutating func windowTotals(at now: Duration) -> WindowTotals {
            state == .halfOpen ? halfOpenTotals : window.totals(atNanoseconds: now.nanoseconds)
        }

        // MARK: Rules

        private mutating func shouldTripWhileClosed(at now: Int64) -> Bool {
            if let threshold = configuration.consecutiveFailureThreshold, consecutiveFailures >= threshold {
                return true
            }
            let totals = window.totals(atNanoseconds: now)
            guard totals.calls >= min(configuration.minimumNumberOfCalls, window.capacity) else { return false }
            return exceedsThresholds(totals)
        }

        private func exceedsThresholds(_ totals: WindowTotals) -> Bool {
            totals.calls > 0 && (totals.failureRate >= configuration.failureRateThreshold
                || totals.slowCallRate >= configuration.slowCallRateThreshold)
        }

        private mutating func trip(at now: Int64) -> CircuitBreakerTransition? {
            consecutiveTrips += 1
            openUntilNanoseconds = now &+ openDuration(forTrip: consecutiveTrips).nanoseconds
            return move(to: .open)
        }

        /// The open duration of trip number `trip` (1-based): `base × multiplierⁿ⁻¹`, capped.
        func openDuration(forTrip trip: Int) -> Duration {
            guard configuration.openDurationMultiplier > 1, trip > 1 else { return configuration.openDuration }
            let seconds = configuration.openDuration.secondsDouble
                * _pow(configuration.openDurationMultiplier, Double(min(trip - 1, 1_000)))
            return min(Duration.clampedSeconds(seconds), configuration.maximumOpenDuration)
        }

        private mutating func move(to newState: CircuitBreakerState) -> CircuitBreakerTransition? {
            guard newState != state else { return nil }
            let transition = CircuitBreakerTransition(from: state, to: newState)
            state = newState
            generation &+= 1
            halfOpenInFlight = 0
            halfOpenTotals = WindowTotals()
            if newState == .closed || newState == .open {
                window.reset()
                consecutiveFailures = 0
            }
            return transition
        }
    }
}
