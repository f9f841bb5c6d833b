import Synchronization

/// Limits how many calls run at once, so that one slow dependency cannot take every thread, connection
/// or task of a service. Calls beyond the limit queue (up to a limit, for a bounded time) or are
/// rejected with ``BulkheadFullError``.
///
/// ```swift
/// let bulkhead = try Bulkhead(BulkheadConfiguration(name: "reports", maxConcurrentCalls: 4,
///                                                    maxWaitingCalls: 16, maxWaitDuration: .seconds(2)))
/// let pdf = try await bulkhead.execute { try await renderer.render(report) }
/// ```
///
/// Metrics (labelled `bulkhead`): `bulwark_bulkhead_rejections_total{reason}`,
/// `bulwark_bulkhead_concurrent_calls`, `bulwark_bulkhead_waiting_calls`.
public final class Bulkhead: ResilienceGuard {
    /// The settings this bulkhead runs with.
    public let configuration: BulkheadConfiguration
    private let clock: PolicyClock
    private let state: Mutex<State>
    private let telemetry: BulkheadTelemetry

    private struct State: ~Copyable {
        var machine: StateMachine
        var nextWaiter: UInt64 = 0
        var continuations: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var timers: [UInt64: Task<Void, Never>] = [:]
    }

    /// Creates an idle bulkhead.
    /// - Parameters:
    ///   - configuration: the limits; see ``BulkheadConfiguration``.
    ///   - clock: the clock queue waits are timed on. Defaults to `ContinuousClock`.
    /// - Throws: ``ConfigurationError`` naming every invalid setting.
    public init(
        _ configuration: BulkheadConfiguration = BulkheadConfiguration(),
        clock: any Clock<Duration> = ContinuousClock()
    ) throws(ConfigurationError) {
        try ConfigurationValidator.check(configuration.validationIssues())
        self.configuration = configuration
        self.clock = PolicyClock(clock)
        self.state = Mutex(State(machine: StateMachine(
            maxConcurrentCalls: configuration.maxConcurrentCalls,
            maxWaitingCalls: configuration.queues ? configuration.maxWaitingCalls : 0
        )))
        self.telemetry = BulkheadTelemetry(configuration: configuration)
    }

    /// The bulkhead's name.
    public var name: String { configuration.name }

    /// Calls holding a slot and calls waiting for one.
    public var usage: (inFlight: Int, waiting: Int) {
        state.withLock { ($0.machine.inFlight, $0.machine.waiters.count) }
    }

    public func execute<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        let permit: BulkheadPermit
        if let free = tryAcquire() {
            permit = free
        } else {
            permit = try await acquire()
        }
        defer { permit.release() }
        return try await operation()
    }

    public func admitNow() throws -> GuardToken? {
        if takeFreeSlot() { return GuardToken() }
        guard configuration.queues else { throw rejection(.full) }
        return nil
    }

    public func succeeded<T: Sendable>(_ token: GuardToken, returning value: T) { release() }

    public func failed(_ token: GuardToken, error: any Error) { release() }

    /// Takes a slot if one is free right now, without waiting; `nil` when none is (nothing is recorded
    /// as a rejection: call ``acquire()`` to queue or be rejected).
    public func tryAcquire() -> BulkheadPermit? {
        takeFreeSlot() ? BulkheadPermit(bulkhead: self) : nil
    }

    /// Takes a slot if one is free right now.
    private func takeFreeSlot() -> Bool {
        let usage: (Int, Int)? = state.withLock { state in
            guard state.machine.callRequested(waiter: .max, mayWait: false) == .permitted else { return nil }
            return (state.machine.inFlight, state.machine.waiters.count)
        }
        guard let usage else { return false }
        telemetry.permitted(queued: false, usage: usage)
        return true
    }

    /// Takes a slot, waiting for one if the configuration allows. Release it through the permit.
    /// - Throws: ``BulkheadFullError`` when no slot is available in time; `CancellationError` when the
    ///   task is cancelled while waiting.
    public func acquire() async throws -> BulkheadPermit {
        let (admission, id, usage) = state.withLock { state in
            let id = state.nextWaiter
            state.nextWaiter &+= 1
            let admission = state.machine.callRequested(waiter: id, mayWait: false)
            return (admission, id, (state.machine.inFlight, state.machine.waiters.count))
        }
        switch admission {
        case .permitted:
            telemetry.permitted(queued: false, usage: usage)
            return BulkheadPermit(bulkhead: self)
        case .rejected where configuration.queues:
            try await waitForSlot(id)
            telemetry.permitted(queued: true, usage: self.usage)
            return BulkheadPermit(bulkhead: self)
        case .rejected, .enqueued:
            throw rejection(.full)
        }
    }

    private func waitForSlot(_ id: UInt64) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let admission: StateMachine.Admission? = state.withLock { state in
                    if Task.isCancelled { return nil }
                    let admission = state.machine.callRequested(waiter: id, mayWait: true)
                    if admission == .enqueued {
                        state.continuations[id] = continuation
                        state.timers[id] = Task { [clock, maxWait = configuration.maxWaitDuration] in
                            guard (try? await clock.sleep(for: maxWait)) != nil else { return }
                            self.endWait(id, with: self.rejection(.waitTimedOut))
                        }
                    }
                    return admission
                }
                switch admission {
                case nil: continuation.resume(throwing: CancellationError())
                case .permitted: continuation.resume()
                case .rejected: continuation.resume(throwing: rejection(.full))
                case .enqueued: break
                }
            }
        } onCancel: {
            endWait(id, with: CancellationError())
        }
    }

    /// Fails waiter `id` with `error` if it is still queued.
    private func endWait(_ id: UInt64, with error: any Error) {
        let (continuation, timer) = state.withLock { state in
            guard state.machine.waitEnded(waiter: id) else { return (nil, nil) as (CheckedContinuation<Void, any Error>?, Task<Void, Never>?) }
            return (state.continuations.removeValue(forKey: id), state.timers.removeValue(forKey: id))
        }
        timer?.cancel()
        if let error = error as? BulkheadFullError { telemetry.rejected(error.reason) }
        continuation?.resume(throwing: error)
    }

    /// Gives a slot back; hands it to the longest waiter, if any.
    func release() {
        let (continuation, timer, usage) = state.withLock { state in
            let next = state.machine.callFinished()
            let usage = (state.machine.inFlight, state.machine.waiters.count)
            guard let next else { return (nil, nil, usage) as (CheckedContinuation<Void, any Error>?, Task<Void, Never>?, (Int, Int)) }
            return (state.continuations.removeValue(forKey: next), state.timers.removeValue(forKey: next), usage)
        }
        timer?.cancel()
        telemetry.finished(usage: usage)
        continuation?.resume()
    }

    private func rejection(_ reason: BulkheadFullError.Reason) -> BulkheadFullError {
        if reason == .full { telemetry.rejected(.full) }
        return BulkheadFullError(
            bulkhead: name,
            reason: reason,
            maxConcurrentCalls: configuration.maxConcurrentCalls,
            maxWaitingCalls: configuration.queues ? configuration.maxWaitingCalls : 0,
            maxWaitDuration: configuration.maxWaitDuration
        )
    }
}

/// A slot in a ``Bulkhead``, for callers that cannot wrap the call in a closure. Release it exactly once.
public struct BulkheadPermit: Sendable {
    let bulkhead: Bulkhead

    /// Gives the slot back.
    public func release() { bulkhead.release() }
}
