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
/// ``Retry/StateMachine``; this type only sleeps and reports.
public struct Retry: ResiliencePolicy {
    /// The settings this policy runs with.
    public let configuration: RetryConfiguration
    private let clock: PolicyClock
    private let telemetry: RetryTelemetry

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

    public func execute<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        configuration.budget?.recordCall()
        var machine = StateMachine(configuration: configuration)
        var generator = configuration.randomSource.generator
        while true {
            try Task.checkCancellation()
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await operation())
            } catch {
                outcome = .failure(error)
            }
            let action: StateMachine.Action
            switch outcome {
            case .success(let value):
                guard let rejectsResult = configuration.shouldRetryResult, rejectsResult(value) else {
                    telemetry.record(.succeeded(policy: configuration.name, attempts: machine.attempt))
                    return value
                }
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
                return try finish(outcome, reason: reason, attempts: machine.attempt)
            case .retry(let nextAttempt, let delay):
                if let budget = configuration.budget, !budget.tryWithdrawRetry() {
                    return try finish(outcome, reason: .budgetExhausted, attempts: nextAttempt - 1)
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
        }
    }

    /// Reports the end of a failed call and hands back its last outcome: the error is thrown, a rejected
    /// result is returned as it is.
    private func finish<T>(_ outcome: Result<T, any Error>, reason: RetryExhaustion.Reason, attempts: Int) throws -> T {
        let exhaustion = RetryExhaustion(
            policy: configuration.name, attempts: attempts, reason: reason, lastError: outcome.failure
        )
        telemetry.record(reason == .attemptsExhausted ? .exhausted(exhaustion) : .gaveUp(exhaustion))
        return try outcome.get()
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
