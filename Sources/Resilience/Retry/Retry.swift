/// Runs an operation again when it fails, with backoff and jitter between attempts.
///
/// ```swift
/// let retry = try Retry(RetryConfiguration(name: "inventory", maxAttempts: 5))
/// let stock = try await retry.execute { try await inventory.fetch(sku) }
/// ```
///
/// Each failed attempt is logged (`attempt 2/5 failed: …; retrying in 400 ms`); running out of attempts
/// logs an error and emits ``RetryEvent/exhausted(_:)``. A cancelled task stops at once, also during a
/// backoff wait, and throws `CancellationError`. Errors that carry a retry-after hint
/// (``RetryAfterProviding``) are waited for at least that long. The decisions live in
/// ``Retry/StateMachine``; this type only sleeps and reports. It holds no mutable state: share one.
public final class Retry: ResiliencePolicy {
    /// The settings this policy runs with.
    public let configuration: RetryConfiguration
    private let clock: PolicyClock
    @usableFromInline let telemetry: RetryTelemetry

    /// Creates a retry policy.
    /// - Parameters:
    ///   - configuration: attempts, backoff, predicates; see ``RetryConfiguration``.
    ///   - clock: the clock backoff waits run on. Defaults to `ContinuousClock`.
    /// - Throws: ``ConfigurationError`` naming every invalid setting.
    public init(
        _ configuration: RetryConfiguration = RetryConfiguration(),
        clock: any Clock<Duration> = ContinuousClock()
    ) throws(ConfigurationError) {
        try ConfigurationValidator.check(configuration.validationIssues())
        self.configuration = configuration
        self.clock = PolicyClock(clock)
        self.telemetry = RetryTelemetry(configuration: configuration)
    }

    @inlinable
    public func execute<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        configuration.budget?.recordCall()
        let value: T
        do {
            value = try await operation()
        } catch {
            return try await retry(operation, after: .failure(error))
        }
        if let rejectsResult = configuration.shouldRetryResult, rejectsResult(value) {
            return try await retry(operation, after: .success(value))
        }
        telemetry.succeeded(attempts: 1)
        return value
    }

    /// The slow path, after the first attempt failed: the state machine decides, this loop sleeps.
    @usableFromInline
    func retry<T: Sendable>(
        _ operation: @Sendable () async throws -> T,
        after firstOutcome: Result<T, any Error>
    ) async throws -> T {
        var machine = StateMachine(configuration: configuration)
        var generator = configuration.randomSource.generator
        var outcome = firstOutcome
        while true {
            let action: StateMachine.Action
            switch outcome {
            case .success:
                action = machine.attemptFailed(retryable: true, retryAfter: nil, using: &generator)
            case .failure(let error):
                if Task.isCancelled { throw CancellationError() }
                action = machine.attemptFailed(
                    retryable: configuration.shouldRetry(error),
                    retryAfter: (error as? any RetryAfterProviding)?.retryAfter,
                    using: &generator
                )
            }
            switch action {
            case .giveUp(let reason):
                report(reason, attempts: machine.attempt, lastError: outcome.failure)
                return try outcome.get()
            case .retry(let nextAttempt, let delay):
                if let budget = configuration.budget, !budget.tryWithdrawRetry() {
                    report(.budgetExhausted, attempts: nextAttempt - 1, lastError: outcome.failure)
                    return try outcome.get()
                }
                telemetry.record(.retrying(RetryAttemptFailure(
                    policy: configuration.name,
                    attempt: nextAttempt - 1,
                    maxAttempts: configuration.maxAttempts,
                    delay: delay,
                    error: outcome.failure
                )))
                try await clock.sleep(for: delay)
            }
            try Task.checkCancellation()
            do {
                let value = try await operation()
                if let rejectsResult = configuration.shouldRetryResult, rejectsResult(value) {
                    outcome = .success(value)
                    continue
                }
                telemetry.succeeded(attempts: machine.attempt)
                return value
            } catch {
                outcome = .failure(error)
            }
        }
    }

    /// Reports the end of a call whose last attempt failed.
    private func report(_ reason: RetryExhaustion.Reason, attempts: Int, lastError: (any Error)?) {
        let exhaustion = RetryExhaustion(policy: configuration.name, attempts: attempts, reason: reason, lastError: lastError)
        telemetry.record(reason == .attemptsExhausted ? .exhausted(exhaustion) : .gaveUp(exhaustion))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
