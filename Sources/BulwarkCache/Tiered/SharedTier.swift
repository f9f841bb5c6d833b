import BulwarkRedis
import Logging
import NIOCore
import Resilience
import Synchronization

/// The cache's Redis tier, behind a circuit breaker and a short per-command timeout: when Redis is slow or
/// down, every call here returns "nothing" (a miss, a skipped write) at once instead of throwing, the
/// memory tier keeps serving, and the breaker's trial call brings the tier back by itself. The same shape
/// as the rate limits' `FailoverRateLimitStore`.
final class SharedTier: Sendable {
    let redis: RedisClient
    let namespace: CacheNamespace
    let timeout: Duration
    let breaker: CircuitBreaker
    let telemetry: CacheTelemetry
    private let logger: Logger
    private let inUse = Mutex(true)

    init(redis: RedisClient, namespace: CacheNamespace, timeout: Duration, breaker: CircuitBreaker, telemetry: CacheTelemetry, logger: Logger) {
        self.redis = redis
        self.namespace = namespace
        self.timeout = timeout
        self.breaker = breaker
        self.telemetry = telemetry
        self.logger = logger
        telemetry.sharedTierInUse(true)
    }

    /// Whether calls go to Redis now (the breaker lets them through).
    var isAvailable: Bool { !breaker.state.rejectsCalls }

    /// The stored value of `key`; nil for a miss, a value in another format, or Redis unavailable.
    func get(_ key: String) async -> CachedValue? {
        let reply = await guarded { try await self.redis.sendRaw(["GET", RedisArgument(self.namespace.storageKey(key))], timeout: self.timeout) }
        guard case .bulkString(let bytes)? = reply else { return nil }
        return CachedValue(encoded: bytes)
    }

    /// Stores `value` until it expires, adding `key` to each of its tags' sets (which live as long as
    /// their longest member).
    func set(_ key: String, _ value: CachedValue, now: Int64) async {
        let lifetime = max(1, value.errorUntil - now)
        let keys = [RedisArgument(namespace.storageKey(key))] + value.tags.map { RedisArgument(namespace.tagKey($0)) }
        _ = await guarded {
            try await self.redis.evaluate(Self.setScript, keys: keys, arguments: [RedisArgument(value.encoded()), RedisArgument(Int(lifetime)), RedisArgument(key)], timeout: self.timeout)
        }
    }

    /// Removes `keys`.
    @discardableResult
    func remove(_ keys: [String]) async -> Int {
        guard !keys.isEmpty else { return 0 }
        let reply = await guarded { try await self.redis.sendRaw(["UNLINK"] + keys.map { RedisArgument(self.namespace.storageKey($0)) }, timeout: self.timeout) }
        return Int(reply?.int ?? 0)
    }

    /// Removes every key starting with `prefix`, walking the keyspace with `SCAN` (never `KEYS`) and
    /// removing each batch with `UNLINK`. Returns the number removed; stops early if Redis fails.
    func remove(prefix: String, where predicate: @Sendable (String) -> Bool = { _ in true }) async -> Int {
        var cursor = "0"
        var removed = 0
        repeat {
            let position = cursor
            guard let reply = await guarded({
                try await self.redis.sendRaw(["SCAN", RedisArgument(position), "MATCH", RedisArgument(self.namespace.scanPattern(prefix: prefix)), "COUNT", 1000], timeout: self.timeout)
            }), let parts = reply.array, parts.count == 2, let next = parts[0].string, let found = parts[1].array else { return removed }
            let keys = found.compactMap(\.string).filter { namespace.key(ofStorageKey: $0).map(predicate) ?? false }
            if !keys.isEmpty {
                let reply = await guarded { try await self.redis.sendRaw(["UNLINK"] + keys.map { RedisArgument($0) }, timeout: self.timeout) }
                removed += Int(reply?.int ?? 0)
            }
            cursor = next
        } while cursor != "0"
        return removed
    }

    /// Removes every key tagged `tag`, and the tag's set. Returns the keys removed.
    func remove(tag: String) async -> (removed: Int, keys: [String]) {
        guard let reply = await guarded({ try await self.redis.sendRaw(["SMEMBERS", RedisArgument(self.namespace.tagKey(tag))], timeout: self.timeout) }),
              let members = reply.array
        else { return (0, []) }
        let keys = members.compactMap(\.string)
        var removed = 0
        for batch in stride(from: 0, to: keys.count, by: 500) {
            removed += await remove(Array(keys[batch..<min(batch + 500, keys.count)]))
        }
        _ = await guarded { try await self.redis.sendRaw(["UNLINK", RedisArgument(self.namespace.tagKey(tag))], timeout: self.timeout) }
        return (removed, keys)
    }

    /// Takes the lock of `key` for `ttl` unless another holder has it: at most one holder per lock TTL,
    /// across instances.
    func lock(_ key: String, ttl: Duration, token: String) async -> CacheLockOutcome {
        let reply = await guarded {
            try await self.redis.sendRaw(["SET", RedisArgument(self.namespace.lockKey(key)), RedisArgument(token), "NX", "PX", RedisArgument(Int(max(1, ttl.milliseconds)))], timeout: self.timeout)
        }
        guard let reply else { return .unavailable }
        return reply.string == "OK" ? .acquired : .held
    }

    /// Releases the lock of `key` if `token` still holds it.
    func unlock(_ key: String, token: String) async {
        _ = await guarded {
            try await self.redis.evaluate(Self.unlockScript, keys: [RedisArgument(self.namespace.lockKey(key))], arguments: [RedisArgument(token)], timeout: self.timeout)
        }
    }

    /// Runs `call` through the breaker; nil when the breaker refuses or the call fails (server errors
    /// included), after which the breaker decides whether the tier is still in use.
    private func guarded(_ call: @Sendable () async throws -> RESPValue) async -> RESPValue? {
        guard let permit = try? breaker.acquire() else {
            noteAvailability(false, reason: "circuit open")
            return nil
        }
        do {
            let reply = try await call()
            if case .error(let message) = reply { throw RedisError.server(message) }
            permit.succeeded()
            if breaker.state == .closed { noteAvailability(true, reason: nil) }
            return reply
        } catch {
            permit.failed(error)
            if breaker.state.rejectsCalls { noteAvailability(false, reason: String(describing: error)) }
            return nil
        }
    }

    private func noteAvailability(_ available: Bool, reason: String?) {
        let changed = inUse.withLock { current in
            defer { current = available }
            return current != available
        }
        guard changed else { return }
        telemetry.sharedTierInUse(available)
        if available {
            logger.info("cache: the Redis tier is in use again", metadata: ["namespace": "\(namespace.name)"])
        } else {
            logger.warning("cache: the Redis tier is skipped (memory tier only) until it answers again: \(reason ?? "unknown")", metadata: ["namespace": "\(namespace.name)"])
        }
    }

    /// `SET` the value with its lifetime and add the key to each tag's set, extending the set's life to
    /// the value's (KEYS: value key, tag keys; ARGV: envelope, lifetime in ms, caller's key).
    static let setScript = RedisScript("""
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        for i = 2, #KEYS do
          redis.call('SADD', KEYS[i], ARGV[3])
          local left = redis.call('PTTL', KEYS[i])
          if left < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
        end
        return 1
        """)

    /// Delete the lock only if it is still ours.
    static let unlockScript = RedisScript("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)
}
