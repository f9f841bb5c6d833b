/// What a ``MemoryCache`` holds and what happened to it since it was created.
///
/// Counters only grow; ``entries`` and ``bytes`` are the current contents.
public struct MemoryCacheStatistics: Sendable, Hashable {
    /// Entries held now.
    public var entries: Int
    /// Bytes held now: the sum of the caller's cost of each entry.
    public var bytes: Int
    /// Gets that returned a value.
    public var hits: Int
    /// Gets that returned nil, because the key was absent or its entry had expired.
    public var misses: Int
    /// Entries removed to make room for others.
    public var evictions: Int
    /// Entries removed because their expiry time had passed (on a get, or to make room).
    public var expirations: Int
    /// Values not kept: refused by admission (less frequent than the entry they would replace) or larger
    /// than the largest entry allowed.
    public var rejections: Int

    /// Creates statistics; all zero by default.
    public init(
        entries: Int = 0, bytes: Int = 0, hits: Int = 0, misses: Int = 0,
        evictions: Int = 0, expirations: Int = 0, rejections: Int = 0
    ) {
        self.entries = entries
        self.bytes = bytes
        self.hits = hits
        self.misses = misses
        self.evictions = evictions
        self.expirations = expirations
        self.rejections = rejections
    }

    /// Hits as a fraction of all gets, 0 when there was none.
    public var hitRatio: Double {
        let gets = hits + misses
        return gets == 0 ? 0 : Double(hits) / Double(gets)
    }

    /// The sum of two shards' statistics.
    func adding(_ other: MemoryCacheStatistics) -> MemoryCacheStatistics {
        MemoryCacheStatistics(
            entries: entries + other.entries, bytes: bytes + other.bytes, hits: hits + other.hits,
            misses: misses + other.misses, evictions: evictions + other.evictions,
            expirations: expirations + other.expirations, rejections: rejections + other.rejections
        )
    }
}
