/// Settings taken from field practice for the dependencies most services have, as a retry, a circuit
/// breaker and a per-call timeout that belong together.
///
/// | preset | retry attempts | retried | breaker opens after | call timeout | open for |
/// | --- | --- | --- | --- | --- | --- |
/// | ``database(name:)`` | 5 | every error but cancellation | 5 failures in a row | 5 s | 30 s |
/// | ``externalAPI(name:)`` | 3 | network errors, timeouts, 5xx and 429 | 3 failures in a row | 10 s | 60 s |
/// | ``filesystem(name:)`` | 4 | every error but cancellation | 4 failures in a row | 5 s | 20 s |
///
/// A call that takes longer than the call timeout is cut off and counts as a failure.
///
/// ```swift
/// let db = try ResiliencePreset.database(name: "orders-db").pipeline()
/// let rows = try await db.execute { try await connection.query("SELECT …") }
/// ```
public struct ResiliencePreset: Sendable {
    /// The retry settings.
    public var retry: RetryConfiguration
    /// The circuit breaker settings.
    public var circuitBreaker: CircuitBreakerConfiguration
    /// The limit on each call (each attempt).
    public var callTimeout: Duration

    /// Creates a preset from its parts.
    public init(retry: RetryConfiguration, circuitBreaker: CircuitBreakerConfiguration, callTimeout: Duration) {
        self.retry = retry
        self.circuitBreaker = circuitBreaker
        self.callTimeout = callTimeout
    }

    /// A relational database: 5 attempts (exponential 100 ms × 2 up to 2 s, full jitter); the breaker
    /// opens after 5 consecutive failures for 30 s; each call may take 5 s.
    public static func database(name: String = "database") -> ResiliencePreset {
        preset(name: name, attempts: 5, backoff: .exponential(base: .milliseconds(100), multiplier: 2, maximum: .seconds(2)),
               failures: 5, callTimeout: .seconds(5), openDuration: .seconds(30))
    }

    /// A third-party HTTP API: 3 attempts (exponential 500 ms × 2 up to 10 s, full jitter), only on network
    /// errors, timeouts and 5xx/429 statuses; the breaker opens after 3 consecutive failures for 60 s; each
    /// call may take 10 s.
    public static func externalAPI(name: String = "external-api") -> ResiliencePreset {
        var preset = preset(name: name, attempts: 3, backoff: .exponential(base: .milliseconds(500), multiplier: 2, maximum: .seconds(10)),
                            failures: 3, callTimeout: .seconds(10), openDuration: .seconds(60))
        preset.retry.shouldRetry = RetryPredicates.networkOrServerError
        preset.retry.shouldRetryResult = RetryPredicates.serverErrorResult
        preset.circuitBreaker.isFailureResult = RetryPredicates.serverErrorResult
        return preset
    }

    /// Local or network file storage: 4 attempts (exponential 50 ms × 2 up to 1 s, full jitter); the
    /// breaker opens after 4 consecutive failures for 20 s; each call may take 5 s.
    public static func filesystem(name: String = "filesystem") -> ResiliencePreset {
        preset(name: name, attempts: 4, backoff: .exponential(base: .milliseconds(50), multiplier: 2, maximum: .seconds(1)),
               failures: 4, callTimeout: .seconds(5), openDuration: .seconds(20))
    }

    private static func preset(
        name: String, attempts: Int, backoff: Backoff, failures: Int, callTimeout: Duration, openDuration: Duration
    ) -> ResiliencePreset {
        ResiliencePreset(
            retry: RetryConfiguration(name: name, maxAttempts: attempts, backoff: backoff.jittered(.full)),
            circuitBreaker: CircuitBreakerConfiguration(
                name: name,
                slowCallDurationThreshold: callTimeout,
                consecutiveFailureThreshold: failures,
                openDuration: openDuration,
                permittedCallsInHalfOpen: 1
            ),
            callTimeout: callTimeout
        )
    }

    /// The pipeline `retry → circuit breaker → call timeout`, on `clock`.
    /// - Throws: ``ConfigurationError`` if the preset was changed into something invalid.
    public func pipeline(clock: any Clock<Duration> = ContinuousClock()) throws(ConfigurationError) -> ResiliencePipeline {
        ResiliencePipeline(
            try Retry(retry, clock: clock),
            try CircuitBreaker(circuitBreaker, clock: clock),
            try Timeout(callTimeout, name: circuitBreaker.name, clock: clock)
        )
    }
}

extension RetryConfiguration {
    /// The retry of ``ResiliencePreset/database(name:)``: 5 attempts.
    public static func database(name: String = "database") -> RetryConfiguration { ResiliencePreset.database(name: name).retry }
    /// The retry of ``ResiliencePreset/externalAPI(name:)``: 3 attempts, only on network errors, timeouts and 5xx/429.
    public static func externalAPI(name: String = "external-api") -> RetryConfiguration { ResiliencePreset.externalAPI(name: name).retry }
    /// The retry of ``ResiliencePreset/filesystem(name:)``: 4 attempts.
    public static func filesystem(name: String = "filesystem") -> RetryConfiguration { ResiliencePreset.filesystem(name: name).retry }
}

extension CircuitBreakerConfiguration {
    /// The breaker of ``ResiliencePreset/database(name:)``: 5 failures in a row, 5 s calls are slow, 30 s open.
    public static func database(name: String = "database") -> CircuitBreakerConfiguration {
        ResiliencePreset.database(name: name).circuitBreaker
    }
    /// The breaker of ``ResiliencePreset/externalAPI(name:)``: 3 failures in a row, 10 s calls are slow, 60 s open.
    public static func externalAPI(name: String = "external-api") -> CircuitBreakerConfiguration {
        ResiliencePreset.externalAPI(name: name).circuitBreaker
    }
    /// The breaker of ``ResiliencePreset/filesystem(name:)``: 4 failures in a row, 5 s calls are slow, 20 s open.
    public static func filesystem(name: String = "filesystem") -> CircuitBreakerConfiguration {
        ResiliencePreset.filesystem(name: name).circuitBreaker
    }
}
