import Logging
import Metrics

/// Keyed rate limiting (per client, per API key, per route) against a ``RateLimitStore``.
///
/// ```swift
/// let limiter = RateLimiter(policy: .auth)                       // 5 per 15 min, in memory
/// let decision = try await limiter.acquire(key: clientIP)
/// guard decision.allowed else { return tooManyRequests(RateLimitHeaders.fields(for: decision, policy: .auth)) }
/// ```
///
/// As a ``ResiliencePolicy`` for one key, use ``keyed(_:)``: it throws ``RateLimitExceededError``.
///
/// Metric: `bulwark_ratelimit_decisions_total{policy,decision}` with `decision` = `allowed` / `limited`.
public final class RateLimiter: Sendable {
    /// The limit enforced.
    public let policy: RateLimitPolicy
    /// Where the state lives.
    public let store: any RateLimitStore
    private let allowedCounter: Counter
    private let limitedCounter: Counter
    private let logger: Logger

    /// A limiter over `store`.
    /// - Throws: ``ConfigurationError`` when the policy is invalid.
    public init(
        policy: RateLimitPolicy,
        store: any RateLimitStore,
        logger: Logger = Logger(label: "bulwark.rate-limiter")
    ) throws(ConfigurationError) {
        try ConfigurationValidator.check(policy.validationIssues())
        self.policy = policy
        self.store = store
        self.logger = logger
        allowedCounter = Counter(label: "bulwark_ratelimit_decisions_total", dimensions: [("policy", policy.name), ("decision", "allowed")])
        limitedCounter = Counter(label: "bulwark_ratelimit_decisions_total", dimensions: [("policy", policy.name), ("decision", "limited")])
    }

    /// A limiter with its own in-memory store on `clock`.
    /// - Throws: ``ConfigurationError`` when the policy is invalid.
    public convenience init(policy: RateLimitPolicy, clock: any Clock<Duration> = ContinuousClock()) throws(ConfigurationError) {
        try self.init(policy: policy, store: InMemoryRateLimitStore(clock: clock))
    }

    /// Takes `cost` units of `key`'s allowance and says whether the request may proceed.
    public func acquire(key: String, cost: Int = 1) async throws -> RateLimitDecision {
        let decision = try await store.acquire(key: key, policy: policy, cost: cost)
        (decision.allowed ? allowedCounter : limitedCounter).increment()
        if !decision.allowed {
            logger.debug("rate limited", metadata: ["policy": "\(policy.name)", "key": "\(key)"])
        }
        return decision
    }

    /// Forgets `key`'s usage.
    public func reset(key: String) async throws {
        try await store.reset(key: key, policy: policy)
    }

    /// This limiter for one key, as a ``ResiliencePolicy`` that throws ``RateLimitExceededError``.
    public func keyed(_ key: String, cost: Int = 1) -> KeyedRateLimiter {
        KeyedRateLimiter(limiter: self, key: key, cost: cost)
    }
}

/// A ``RateLimiter`` bound to one key: runs the operation when allowed, throws ``RateLimitExceededError``
/// otherwise.
public struct KeyedRateLimiter: ResiliencePolicy {
    /// The limiter.
    public let limiter: RateLimiter
    /// The key every call is counted against.
    public let key: String
    /// Units each call takes.
    public let cost: Int

    public func execute<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        let decision = try await limiter.acquire(key: key, cost: cost)
        guard decision.allowed else {
            throw RateLimitExceededError(policy: limiter.policy.name, key: key, decision: decision, window: limiter.policy.window)
        }
        return try await operation()
    }
}
