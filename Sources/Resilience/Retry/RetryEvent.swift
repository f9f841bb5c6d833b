/// What happened during a ``Retry``-guarded call. Subscribe through ``RetryConfiguration/onEvent``.
public enum RetryEvent: Sendable {
    /// An attempt failed and another will follow after `delay`.
    case retrying(RetryAttemptFailure)
    /// The call succeeded; `attempts` is 1 when no retry was needed.
    case succeeded(policy: String, attempts: Int)
    /// Every attempt failed. Alert on this one.
    case exhausted(RetryExhaustion)
    /// Retrying stopped before the attempts ran out (the error was not retryable, the budget was spent,
    /// or a retry-after hint was too long).
    case gaveUp(RetryExhaustion)
}

/// A failed attempt that will be retried.
public struct RetryAttemptFailure: Sendable {
    /// The retry policy's name.
    public var policy: String
    /// The attempt that failed, 1-based.
    public var attempt: Int
    /// The total number of attempts allowed.
    public var maxAttempts: Int
    /// How long until the next attempt.
    public var delay: Duration
    /// Why it failed: the error thrown, or `nil` when the result was rejected by ``RetryConfiguration/shouldRetryResult``.
    public var error: (any Error)?
}

/// The end of a call whose last attempt failed.
public struct RetryExhaustion: Sendable {
    /// Why retrying ended.
    public enum Reason: String, Sendable {
        /// All ``RetryConfiguration/maxAttempts`` were used.
        case attemptsExhausted = "attempts_exhausted"
        /// ``RetryConfiguration/shouldRetry`` said no.
        case notRetryable = "not_retryable"
        /// The shared ``RetryBudget`` had no retry left.
        case budgetExhausted = "budget_exhausted"
        /// The error asked for a wait longer than ``RetryConfiguration/maximumRetryAfter``.
        case retryAfterTooLong = "retry_after_too_long"
    }

    /// The retry policy's name.
    public var policy: String
    /// Attempts made.
    public var attempts: Int
    /// Why retrying ended.
    public var reason: Reason
    /// The last error, or `nil` when the last result was rejected by ``RetryConfiguration/shouldRetryResult``.
    public var lastError: (any Error)?
}
