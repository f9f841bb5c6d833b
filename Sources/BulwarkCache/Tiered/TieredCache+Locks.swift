extension TieredCache {
    /// Takes the cross-instance lock of `key` for `ttl` (Redis `SET NX PX`), so that at most one instance
    /// fetches a key per lock TTL. Without a Redis tier, or with Redis unavailable, the answer is
    /// ``CacheLockOutcome/unavailable`` at once: callers then go ahead on their own.
    public func lock(_ key: String, ttl: Duration, token: String) async -> CacheLockOutcome {
        await shared?.lock(key, ttl: ttl, token: token) ?? .unavailable
    }

    /// Releases the lock of `key` if `token` still holds it.
    public func unlock(_ key: String, token: String) async {
        await shared?.unlock(key, token: token)
    }

    /// Whether the Redis tier is configured and in use now.
    public var sharedTierAvailable: Bool { shared?.isAvailable ?? false }

    /// Whether the cache has a Redis tier at all.
    public var hasSharedTier: Bool { shared != nil }

    /// The memory tier's figures (nil without one).
    public var memoryStatistics: MemoryCacheStatistics? { memory?.statistics }

    /// Lookups the Redis tier answered with a value, and those it did not (a miss, or Redis unavailable).
    public var sharedLookups: (hits: Int, misses: Int) {
        (sharedHitCount.load(ordering: .relaxed), sharedMissCount.load(ordering: .relaxed))
    }
}

/// The answer to a cross-instance lock request.
public enum CacheLockOutcome: Sendable, Hashable {
    /// This caller holds the lock until it releases it or its TTL ends.
    case acquired
    /// Another caller holds it.
    case held
    /// Redis is not configured or did not answer: nobody can be waited for.
    case unavailable
}
