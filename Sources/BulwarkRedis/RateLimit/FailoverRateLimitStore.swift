import Logging
import Metrics
import Resilience
import Synchronization

/// A ``RateLimitStore`` that uses a shared store (Redis) while it answers, and this instance's own
/// in-memory limits while it does not. Callers never see the shared store's errors.
///
/// - The shared store sits behind a `CircuitBreaker` (by default: open after 3 failures in a row,
///   probe again after 2 s with one trial call). Together with the Redis store's 50 ms deadline, a dead
///   or slow Redis costs at most a few slow decisions before every decision is local.
///
/// ``RedisRateLimitStore`` is this store around ``RedisScriptRateLimitStore``; use this type to put the
/// same failover in front of another shared store.
/// - Local decisions enforce the same policy scaled to this instance's share: `limit / expectedInstances`
///   (and the burst likewise, at least 1), so N instances together stay near the global limit. Limits fail
///   to local limits, never to "unlimited".
/// - A failed call to the shared store is decided locally; the backend switches to memory when the
///   breaker opens, and back when it closes again.
/// - Each switch is logged once (warning when falling back, info when back), shown by the gauge
///   `bulwark_ratelimit_backend{backend="redis"|"memory"}` (1 for the one in use) and counted by
///   `bulwark_ratelimit_backend_transitions_total{to}`.
/// - It returns to the shared store by itself when the breaker's trial call succeeds.
public final class FailoverRateLimitStore: RateLimitStore {
    /// Which store decisions come from.
    public enum Backend: String, Sendable {
        case redis
        case memory
    }

    /// The shared store.
    public let primary: any RateLimitStore
    /// This instance's fallback.
    public let local: InMemoryRateLimitStore
    /// How many instances share the global limits.
    public let expectedInstances: Int
    private let breaker: CircuitBreaker
    private let backendState = Mutex(Backend.redis)
    private let logger: Logger
    private let redisGauge: Gauge
    private let memoryGauge: Gauge
    private let toRedis: Counter
    private let toMemory: Counter

    /// The breaker settings used unless others are given.
    public static func defaultBreaker() -> CircuitBreakerConfiguration {
        CircuitBreakerConfiguration(
            name: "ratelimit-store", consecutiveFailureThreshold: 3,
            openDuration: .seconds(2), permittedCallsInHalfOpen: 1
        )
    }

    /// Creates the store.
    /// - Parameters:
    ///   - primary: the shared store, e.g. a ``RedisScriptRateLimitStore``.
    ///   - local: the fallback; defaults to a new in-memory store on `clock`.
    ///   - expectedInstances: instances sharing the limits (≥ 1); each enforces `1/expectedInstances` locally.
    ///   - breaker: when to stop asking the shared store and when to try it again.
    ///   - clock: the breaker's (and the default local store's) clock.
    ///   - metricsFactory: where the backend gauge goes; defaults to the bootstrapped `MetricsSystem`.
    public init(
        primary: any RateLimitStore,
        local: InMemoryRateLimitStore? = nil,
        expectedInstances: Int = 1,
        breaker: CircuitBreakerConfiguration = FailoverRateLimitStore.defaultBreaker(),
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "bulwark.ratelimit"),
        metricsFactory: (any MetricsFactory)? = nil
    ) throws(ConfigurationError) {
        var check = ConfigurationValidator(prefix: "redis")
        check.require(expectedInstances >= 1, "expectedInstances", "must be ≥ 1, got \(expectedInstances)")
        check.merge(breaker.validationIssues(prefix: "redis.breaker"))
        try check.finish()
        self.primary = primary
        self.local = local ?? InMemoryRateLimitStore(clock: clock)
        self.expectedInstances = expectedInstances
        self.breaker = try CircuitBreaker(breaker, clock: clock)
        self.logger = logger
        let factory = metricsFactory ?? MetricsSystem.factory
        redisGauge = Gauge(label: "bulwark_ratelimit_backend", dimensions: [("backend", "redis")], factory: factory)
        memoryGauge = Gauge(label: "bulwark_ratelimit_backend", dimensions: [("backend", "memory")], factory: factory)
        toRedis = Counter(label: "bulwark_ratelimit_backend_transitions_total", dimensions: [("to", "redis")], factory: factory)
        toMemory = Counter(label: "bulwark_ratelimit_backend_transitions_total", dimensions: [("to", "memory")], factory: factory)
        redisGauge.record(1)
        memoryGauge.record(0)
    }

    /// The store decisions currently come from.
    public var backend: Backend { backendState.withLock { $0 } }

    public func acquire(key: String, policy: RateLimitPolicy, cost: Int) async throws -> RateLimitDecision {
        guard let permit = try? breaker.acquire() else {
            switchTo(.memory, reason: "circuit open")
            return localDecision(key: key, policy: policy, cost: cost)
        }
        do {
            let decision = try await primary.acquire(key: key, policy: policy, cost: cost)
            permit.succeeded()
            if backend == .memory, breaker.state == .closed { switchTo(.redis, reason: nil) }
            return decision
        } catch {
            permit.failed(error)
            // This decision is local; the backend switches when the breaker opens.
            if breaker.state.rejectsCalls { switchTo(.memory, reason: String(describing: error)) }
            return localDecision(key: key, policy: policy, cost: cost)
        }
    }

    public func reset(key: String, policy: RateLimitPolicy) async throws {
        try? await primary.reset(key: key, policy: policy)
        try await local.reset(key: key, policy: localShare(of: policy))
    }

    /// `policy` scaled to this instance's share of the instances.
    public func localShare(of policy: RateLimitPolicy) -> RateLimitPolicy {
        guard expectedInstances > 1 else { return policy }
        var share = policy
        share.limit = max(1, policy.limit / expectedInstances)
        share.burst = max(1, policy.burst / expectedInstances)
        return share
    }

    private func localDecision(key: String, policy: RateLimitPolicy, cost: Int) -> RateLimitDecision {
        local.decide(key: key, policy: localShare(of: policy), cost: cost)
    }

    private func switchTo(_ backend: Backend, reason: String?) {
        let changed = backendState.withLock { current in
            guard current != backend else { return false }
            current = backend
            return true
        }
        guard changed else { return }
        redisGauge.record(backend == .redis ? 1 : 0)
        memoryGauge.record(backend == .memory ? 1 : 0)
        (backend == .redis ? toRedis : toMemory).increment()
        if backend == .memory {
            logger.warning(
                "rate limits now decided in memory (this instance's share of each limit): the shared store failed: \(reason ?? "unknown")",
                metadata: ["backend": "memory", "expected_instances": "\(expectedInstances)"]
            )
        } else {
            logger.info("rate limits decided by the shared store again", metadata: ["backend": "redis"])
        }
    }
}
