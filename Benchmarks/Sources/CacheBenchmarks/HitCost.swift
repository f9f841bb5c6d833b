import BulwarkCache
import MallocInterposerSwift
import NIOCore

/// The cost of an L1 hit: nanoseconds per `get` (median of rounds) and heap allocations per `get`.
struct HitCost {
    let name: String
    let nanosecondsPerGet: Double
    let allocationsPerGet: Double

    /// Fills `cache` with `keys`, then times gets that all hit.
    static func measure<Value: Sendable>(
        _ name: String, cache: MemoryCache<Value>, value: Value, keyCount: Int, rounds: Int, gets: Int
    ) -> HitCost {
        let keys = (0..<keyCount).map { "route:/api/v1/items/\($0)" }
        for key in keys { cache.set(key, value, expiresAt: .seconds(3_600), now: .zero) }
        let now = Duration.seconds(1)
        var found = 0
        func run(_ count: Int) {
            var remaining = count
            while remaining > 0 {
                for key in keys.prefix(remaining) where cache.get(key, now: now) != nil { found += 1 }
                remaining -= min(remaining, keyCount)
            }
        }
        run(gets / 10)
        let clock = ContinuousClock()
        var perGet: [Double] = []
        for _ in 0..<rounds {
            let start = clock.now
            run(gets)
            let (seconds, attoseconds) = start.duration(to: clock.now).components
            perGet.append((Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(gets))
        }
        let counted = 100_000
        MallocInterposerSwift.initialize()
        MallocInterposerSwift.hook()
        run(counted)
        MallocInterposerSwift.unhook()
        let allocations = Double(MallocInterposerSwift.getStatistics().mallocCount) / Double(counted)
        precondition(found > 0, "no hits")
        return HitCost(name: name, nanosecondsPerGet: perGet.sorted()[rounds / 2], allocationsPerGet: allocations)
    }

    static func byteBuffer(rounds: Int) throws -> HitCost {
        let cache = try MemoryCache<ByteBuffer>(configuration: MemoryCacheConfiguration()) { $0.readableBytes }
        let value = ByteBuffer(repeating: 0x61, count: 512)
        return measure("MemoryCache<ByteBuffer>, 1,000 keys, 4 shards", cache: cache, value: value, keyCount: 1_000, rounds: rounds, gets: 2_000_000)
    }

    static func bytes(rounds: Int) throws -> HitCost {
        let cache = try MemoryCache<[UInt8]>(configuration: MemoryCacheConfiguration()) { $0.count }
        let value = [UInt8](repeating: 0x61, count: 512)
        return measure("MemoryCache<[UInt8]>, 1,000 keys, 4 shards", cache: cache, value: value, keyCount: 1_000, rounds: rounds, gets: 2_000_000)
    }
}
