import Logging

/// Settings for ``Retry``. Every property has a default; change only what you need.
///
/// | property | default |
/// | --- | --- |
/// | ``maxAttempts`` | 3 (the first call and two retries) |
/// | ``backoff`` | exponential 100 ms × 2, max 10 s, full jitter |
/// | ``shouldRetry`` | every error except `CancellationError` |
/// | ``shouldRetryResult`` | `nil` (results are never retried) |
/// | ``budget`` | `nil` (no retry budget) |
/// | ``maximumRetryAfter`` | 60 s |
public struct RetryConfiguration: Sendable {
    /// Default values, in one place, for docs, decoding and tests.
    public enum Defaults {
        /// The default ``maxAttempts``.
        public static let maxAttempts = 3
        /// The default ``backoff``.
        public static let backoff = Backoff.exponential(base: .milliseconds(100), multiplier: 2, maximum: .seconds(10))
            .jittered(.full)
        /// The default ``maximumRetryAfter``.
        public static let maximumRetryAfter = Duration.seconds(60)
    }

    /// The name used in logs, metrics and events.
    public var name: String
    /// The total number of attempts, the first call included. Must be ≥ 1; 1 means "never retry".
    public var maxAttempts: Int
    /// The delay between attempts.
    public var backoff: Backoff
    /// Decides whether a thrown error is worth another attempt.
    public var shouldRetry: @Sendable (any Error) -> Bool
    /// Decides whether a successful result should be retried (e.g. an HTTP 503 response). The value is
    /// the operation's result, type-erased; `nil` never retries a result. When attempts run out the last
    /// result is returned as it is.
    public var shouldRetryResult: (@Sendable (any Sendable) -> Bool)?
    /// An optional budget shared by several retry policies that caps retries as a share of calls.
    public var budget: RetryBudget?
    /// The longest retry-after hint (see ``RetryAfterProviding``) that is waited for; a longer hint stops
    /// retrying at once and the error is thrown.
    public var maximumRetryAfter: Duration
    /// Where jitter comes from. Tests pass ``RandomSource/seeded(_:)``.
    public var randomSource: RandomSource
    /// Receives attempt failures (warning) and exhaustion (error).
    public var logger: Logger
    /// Called for every ``RetryEvent``, after logging and metrics. Use it to alert on ``RetryEvent/exhausted(_:)``.
    public var onEvent: (@Sendable (RetryEvent) -> Void)?

    /// Creates a configuration; see the table above for defaults.
    public init(
        name: String = "default",
        maxAttempts: Int = Defaults.maxAttempts,
        backoff: Backoff = Defaults.backoff,
        shouldRetry: @escaping @Sendable (any Error) -> Bool = RetryPredicates.retryableByDefault,
        shouldRetryResult: (@Sendable (any Sendable) -> Bool)? = nil,
        budget: RetryBudget? = nil,
        maximumRetryAfter: Duration = Defaults.maximumRetryAfter,
        randomSource: RandomSource = .system,
        logger: Logger = Logger(label: "bulwark.retry"),
        onEvent: (@Sendable (RetryEvent) -> Void)? = nil
    ) {
        self.name = name
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.shouldRetry = shouldRetry
        self.shouldRetryResult = shouldRetryResult
        self.budget = budget
        self.maximumRetryAfter = maximumRetryAfter
        self.randomSource = randomSource
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Every problem with this configuration, with key paths below `prefix`.
    public func validationIssues(prefix: String = "retry") -> [ConfigurationIssue] {
        var check = ConfigurationValidator(prefix: prefix)
        check.require(maxAttempts >= 1, "maxAttempts", "must be ≥ 1, got \(maxAttempts)")
        check.require(backoff.initialDelay >= .zero, "backoff", "delays must not be negative, got \(backoff)")
        check.require(maximumRetryAfter >= .zero, "maximumRetryAfter", "must not be negative")
        return check.issues
    }
}
