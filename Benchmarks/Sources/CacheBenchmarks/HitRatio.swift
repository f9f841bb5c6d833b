import BulwarkCache

/// Hit ratios of W-TinyLFU (``MemoryCache`` with one shard) and of ``PlainLRU`` with the same number of
/// entries, replaying a trace the cache-aside way: a get, then a set on a miss.
struct HitRatio {
    let trace: String
    let capacity: Int
    let tinyLFU: Double
    let lru: Double

    static func measure(_ trace: Trace, capacity: Int) throws -> HitRatio {
        let cache = try MemoryCache<Int32>(
            configuration: MemoryCacheConfiguration(maximumEntries: capacity, maximumBytes: 1 << 40, shards: 1),
            random: .seeded(1)
        ) { _ in 1 }
        var lru = PlainLRU(capacity: capacity)
        var tinyHits = 0
        var lruHits = 0
        for request in trace.requests {
            let key = trace.keys[Int(request)]
            if cache.get(key, now: .zero) != nil {
                tinyHits += 1
            } else {
                cache.set(key, request, expiresAt: nil, now: .zero)
            }
            if lru.request(key) { lruHits += 1 }
        }
        let total = Double(trace.requests.count)
        return HitRatio(
            trace: trace.name, capacity: capacity, tinyLFU: Double(tinyHits) / total, lru: Double(lruHits) / total
        )
    }
}
