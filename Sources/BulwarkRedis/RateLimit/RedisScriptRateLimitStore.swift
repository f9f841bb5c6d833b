import Resilience

/// The raw Redis ``RateLimitStore``: GCRA and token bucket as Lua scripts, atomic in one round trip, on
/// the server's clock. Keys are `<prefix><policy>:<key>` (prefix `bulwark:rl:` by default) and expire by
/// themselves once the allowance is whole again.
///
/// Redis errors and timeouts are thrown. ``RedisRateLimitStore`` wraps this store so that callers never
/// see them; use this one directly only to handle failures yourself.
public final class RedisScriptRateLimitStore: RateLimitStore {
    /// The client the scripts run on.
    public let client: RedisClient
    /// Prepended to every key.
    public let keyPrefix: String
    /// The limit on one decision, waiting for a connection included. Defaults to 50 ms.
    public let timeout: Duration

    /// Creates a store on `client`.
    public init(client: RedisClient, keyPrefix: String = "bulwark:rl:", timeout: Duration = .milliseconds(50)) {
        self.client = client
        self.keyPrefix = keyPrefix
        self.timeout = timeout
    }

    /// The Redis key for `key` under `policy`.
    public func redisKey(_ key: String, policy: RateLimitPolicy) -> String {
        keyPrefix + policy.name + ":" + key
    }

    public func acquire(key: String, policy: RateLimitPolicy, cost: Int) async throws -> RateLimitDecision {
        let script = policy.algorithm == .gcra ? RateLimitScripts.gcra : RateLimitScripts.tokenBucket
        let values = try await run(script, redisKey: redisKey(key, policy: policy), policy: policy, count: cost)
        return RateLimitDecision(
            allowed: values[0] == 1,
            limit: policy.limit,
            remaining: Int(values[1]),
            resetAfter: .microseconds(values[2]),
            retryAfter: values[0] == 1 || values[3] < 0 ? nil : .microseconds(values[3])
        )
    }

    /// Runs one of ``RateLimitScripts`` on `redisKey` with `policy`'s interval (µs) and burst and
    /// `count` (a cost, or a lease's size), within ``timeout``: the script's four integers.
    func run(_ script: RedisScript, redisKey: String, policy: RateLimitPolicy, count: Int) async throws -> [Int64] {
        let reply = try await client.evaluate(
            script,
            keys: [RedisArgument(redisKey)],
            arguments: [RedisArgument(max(1, policy.emissionIntervalNanoseconds / 1_000)), RedisArgument(policy.burst), RedisArgument(count)],
            timeout: timeout
        )
        guard let values = reply.array?.compactMap(\.int), values.count == 4 else {
            throw RedisError.protocolError("the rate-limit script answered \(reply), not four integers")
        }
        return values
    }

    public func reset(key: String, policy: RateLimitPolicy) async throws {
        try await client.send("DEL", RedisArgument(redisKey(key, policy: policy)))
    }
}
