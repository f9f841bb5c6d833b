extension TieredCache {
    /// Takes the cross-instance lock of `key` for `ttl` (Redis `SET NX PX`), so that at most one instance
    /// fetches a key per lock TTL. True when this caller holds it; false when another does, or when there
    /// is no Redis tier or it is unavailable (callers then go ahead on their own).
    public func lock(_ key: String, ttl: Duration, token: String) async -> Bool {
        await shared?.lock(key, ttl: ttl, token: token) ?? false
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
}
