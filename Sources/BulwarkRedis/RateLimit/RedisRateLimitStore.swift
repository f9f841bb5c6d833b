import Logging
import Metrics
import Resilience

/// Rate limits shared by every instance that uses the same Redis, which keep working when Redis does
/// not: the store the gateway uses when `redis.url` is set.
///
/// Decisions run as Lua scripts in Redis (``RedisScriptRateLimitStore``: atomic, one round trip, keys
/// `bulwark:rl:<policy>:<key>` that expire by themselves), each limited to 50 ms; a policy whose
/// ``RateLimitPolicy/sharing`` is `leased` is decided from slices of the same allowance
/// (``LeasingRateLimitStore``), most of its requests without a round trip. Behind a circuit breaker
/// (``FailoverRateLimitStore``): while Redis is down or slow, decisions come from an in-memory limiter
/// enforcing this instance's share of each limit (`limit / expectedInstances`), with one log line and the
/// gauge `bulwark_ratelimit_backend{backend}` per transition, and the store returns to Redis by itself.
/// Callers never see a Redis error.
///
/// ```swift
/// let redis = try RedisClient(url: "redis://127.0.0.1:6379/0")
/// let limiter = try RateLimiter(policy: .auth, store: RedisRateLimitStore(client: redis, expectedInstances: 3))
/// ```
public final class RedisRateLimitStore: LocallyDecidingRateLimitStore {
    /// Decides `leased` policies from leases, `exact` ones with ``scripts``.
    public let leases: LeasingRateLimitStore
    /// The raw store in Redis.
    public var scripts: RedisScriptRateLimitStore { leases.exact }
    private let failover: FailoverRateLimitStore

    /// Creates the store.
    /// - Parameters:
    ///   - client: the Redis client.
    ///   - keyPrefix: prepended to every key. Defaults to `bulwark:rl:`.
    ///   - timeout: the limit on one decision in Redis, connection wait included. Defaults to 50 ms.
    ///   - expectedInstances: instances sharing the limits; each enforces its share while Redis is away.
    ///   - breaker: when to stop asking Redis and when to try again (default: 3 failures in a row, retry every 2 s).
    ///   - clock: the breaker's and the local limiter's clock.
    ///   - logger: receives the transition lines.
    ///   - metricsFactory: where the backend gauge goes; defaults to the bootstrapped `MetricsSystem`.
    /// - Throws: ``ConfigurationError`` naming every invalid setting.
    public init(
        client: RedisClient,
        keyPrefix: String = "bulwark:rl:",
        timeout: Duration = .milliseconds(50),
        expectedInstances: Int = 1,
        breaker: CircuitBreakerConfiguration = FailoverRateLimitStore.defaultBreaker(),
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "bulwark.ratelimit"),
        metricsFactory: (any MetricsFactory)? = nil
    ) throws(ConfigurationError) {
        leases = LeasingRateLimitStore(
            exact: RedisScriptRateLimitStore(client: client, keyPrefix: keyPrefix, timeout: timeout), metricsFactory: metricsFactory
        )
        failover = try FailoverRateLimitStore(
            primary: leases, expectedInstances: expectedInstances, breaker: breaker,
            clock: clock, logger: logger, metricsFactory: metricsFactory
        )
    }

    /// Where decisions come from right now.
    public var backend: FailoverRateLimitStore.Backend { failover.backend }

    /// Decides in Redis, or locally while Redis is unavailable. Never throws a Redis error.
    public func acquire(key: String, policy: RateLimitPolicy, cost: Int) async throws -> RateLimitDecision {
        try await failover.acquire(key: key, policy: policy, cost: cost)
    }

    /// Decides a `leased` policy from this instance's lease while Redis is in use, without waiting; nil
    /// when a round trip is needed (or Redis is away: the failover then decides, as for every policy).
    public func decideLocally(key: String, policy: RateLimitPolicy, cost: Int) -> RateLimitDecision? {
        guard policy.sharing == .leased, failover.backend == .redis else { return nil }
        return leases.decideLocally(key: key, policy: policy, cost: cost)
    }

    /// Forgets `key`'s usage in Redis (when reachable) and locally.
    public func reset(key: String, policy: RateLimitPolicy) async throws {
        try await failover.reset(key: key, policy: policy)
    }
}
