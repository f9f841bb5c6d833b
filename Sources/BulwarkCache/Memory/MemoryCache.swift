import Resilience
import Synchronization

/// A bounded, thread-safe, in-process cache (the L1 tier) with Caffeine's W-TinyLFU admission and
/// per-entry expiry.
///
/// Keys are split by hash over ``MemoryCacheConfiguration/shards`` shards, each a ``WTinyLFU`` policy
/// under its own mutex, with an equal part of the entry and byte budgets. The caller says what each value
/// costs in bytes, and passes the current time as a `Duration` since an origin of its choice on every
/// call; the cache never reads a clock. A hit allocates nothing.
///
/// ```swift
/// let cache = try MemoryCache<ByteBuffer>(configuration: MemoryCacheConfiguration()) { $0.readableBytes }
/// let now = clock.now.duration(to: origin)
/// cache.set("page:/home", body, expiresAt: now + .seconds(30), now: now)
/// if let body = cache.get("page:/home", now: now) { … }
/// cache.removeAll { $0.hasPrefix("page:") }
/// ```
public final class MemoryCache<Value: Sendable>: Sendable {
    /// The settings the cache was created with.
    public let configuration: MemoryCacheConfiguration
    @usableFromInline let shards: [MemoryCacheShard<Value>]
    /// The seed of the key hash that picks a shard and indexes within it, the same for all shards.
    @usableFromInline let hashSeed: UInt64
    private let cost: @Sendable (Value) -> Int

    /// Creates an empty cache.
    ///
    /// - Parameters:
    ///   - configuration: The budgets and shard count; validated first.
    ///   - random: Seeds the key hash (so that outsiders cannot craft keys that collide) and each shard's
    ///     rare random admission (see ``WTinyLFU``). Tests and benchmarks pass `RandomSource.seeded(_:)`
    ///     to get the same shard choices and admission decisions every run.
    ///   - cost: The size in bytes of a value, counted against ``MemoryCacheConfiguration/maximumBytes``.
    /// - Throws: ``ConfigurationError`` listing every problem with `configuration`.
    public init(
        configuration: MemoryCacheConfiguration,
        random: RandomSource = .system,
        cost: @escaping @Sendable (Value) -> Int
    ) throws(ConfigurationError) {
        try ConfigurationValidator.check(configuration.validationIssues())
        var generator = random.generator
        let hashSeed = generator.next()
        self.configuration = configuration
        self.hashSeed = hashSeed
        self.shards = (0..<configuration.shards).map { _ in
            MemoryCacheShard(WTinyLFU(
                maximumEntries: configuration.shardMaximumEntries,
                maximumBytes: configuration.shardMaximumBytes,
                maximumEntryBytes: configuration.shardMaximumEntryBytes,
                hashSeed: hashSeed,
                randomSeed: generator.next()
            ))
        }
        self.cost = cost
    }

    /// The value of `key`, or nil when it is absent or expired at `now` (an expired entry is removed).
    ///
    /// Inlinable, so that the caller's module specialises it for `Value`: a hit costs a hash, a lock and a
    /// dictionary lookup, and allocates nothing.
    @inlinable
    public func get(_ key: String, now: Duration) -> Value? {
        let hash = KeyHash.of(key, seed: hashSeed)
        return shard(hash).policy.withLock { $0.get(key, hash: hash, now: now) }
    }

    /// Stores `value` for `key`, replacing any earlier value, to expire at `expiresAt` (nil: never).
    ///
    /// - Returns: Whether the value is held afterwards: false when it is larger than
    ///   ``MemoryCacheConfiguration/maximumEntryBytes`` or already expired (any earlier value of `key` is
    ///   then removed), or when admission preferred the entries already held.
    @discardableResult
    public func set(_ key: String, _ value: Value, expiresAt: Duration?, now: Duration) -> Bool {
        let hash = KeyHash.of(key, seed: hashSeed)
        let bytes = cost(value)
        return shard(hash).policy.withLock {
            $0.set(key, hash: hash, value, cost: bytes, expiresAt: expiresAt, now: now).stored
        }
    }

    /// Removes `key`; returns its value, if it was held (even when expired).
    @discardableResult
    public func remove(_ key: String) -> Value? {
        let hash = KeyHash.of(key, seed: hashSeed)
        return shard(hash).policy.withLock { $0.remove(key, hash: hash) }
    }

    /// Removes every entry whose key satisfies `shouldRemove`, e.g. `{ $0.hasPrefix("user:") }`; returns
    /// how many it removed. Visits every entry, one shard at a time.
    @discardableResult
    public func removeAll(where shouldRemove: (String) -> Bool) -> Int {
        var removed = 0
        for shard in shards {
            removed += shard.policy.withLock { $0.removeAll(where: shouldRemove) }
        }
        return removed
    }

    /// Removes every entry whose key and value satisfy `shouldRemove`, e.g. every value carrying a tag;
    /// returns how many it removed. Visits every entry, one shard at a time.
    @discardableResult
    public func removeAll(where shouldRemove: (String, Value) -> Bool) -> Int {
        var removed = 0
        for shard in shards {
            removed += shard.policy.withLock { $0.removeAll(where: shouldRemove) }
        }
        return removed
    }

    /// Removes every entry. The counters in ``statistics`` keep their values.
    public func removeAll() {
        for shard in shards {
            shard.policy.withLock { $0.removeAll() }
        }
    }

    /// The entries and bytes held now, and the counters since creation, summed over the shards.
    public var statistics: MemoryCacheStatistics {
        shards.reduce(MemoryCacheStatistics()) { total, shard in
            total.adding(shard.policy.withLock { $0.statistics })
        }
    }

    /// The shard of a key with hash `hash` (multiply-shift on the high half, so any shard count works).
    @inlinable
    func shard(_ hash: UInt64) -> MemoryCacheShard<Value> {
        shards[Int(truncatingIfNeeded: ((hash >> 32) &* UInt64(shards.count)) >> 32)]
    }
}
