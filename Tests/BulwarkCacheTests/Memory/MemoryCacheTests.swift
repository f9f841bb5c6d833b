import Resilience
import Testing

@testable import BulwarkCache

@Suite struct MemoryCacheTests {
    static func cache(
        entries: Int = 100, bytes: Int = 10_000, entryBytes: Int? = nil, shards: Int = 1
    ) throws -> MemoryCache<[UInt8]> {
        try MemoryCache(
            configuration: MemoryCacheConfiguration(
                maximumEntries: entries, maximumBytes: bytes, maximumEntryBytes: entryBytes, shards: shards
            ),
            random: .seeded(1)
        ) { $0.count }
    }

    @Test("an entry is returned before its expiry time and removed at it")
    func expiryWithAManualNow() throws {
        let cache = try Self.cache()
        cache.set("k", [1, 2, 3], expiresAt: .seconds(10), now: .zero)
        #expect(cache.get("k", now: .milliseconds(9_999)) == [1, 2, 3])
        #expect(cache.get("k", now: .seconds(10)) == nil)
        let statistics = cache.statistics
        #expect(statistics.entries == 0)
        #expect(statistics.bytes == 0)
        #expect(statistics.expirations == 1)
        #expect(statistics.hits == 1)
        #expect(statistics.misses == 1)
    }

    @Test("an entry without expiry stays; one that is already expired is not stored")
    func noExpiryAndPastExpiry() throws {
        let cache = try Self.cache()
        cache.set("forever", [1], expiresAt: nil, now: .zero)
        #expect(cache.get("forever", now: .seconds(1_000_000)) == [1])
        #expect(cache.set("stale", [1], expiresAt: .seconds(5), now: .seconds(5)) == false)
        #expect(cache.get("stale", now: .seconds(5)) == nil)
    }

    @Test("expired entries make room before live ones are evicted")
    func expiredEntriesGoFirst() throws {
        let cache = try Self.cache(entries: 10)
        for index in 0..<5 { cache.set("live-\(index)", [1], expiresAt: nil, now: .zero) }
        for index in 0..<5 { cache.set("brief-\(index)", [1], expiresAt: .seconds(1), now: .zero) }
        for _ in 0..<3 {
            for index in 0..<5 { _ = cache.get("live-\(index)", now: .zero) }
        }
        for index in 0..<5 { cache.set("new-\(index)", [1], expiresAt: nil, now: .seconds(2)) }
        for index in 0..<5 { #expect(cache.get("live-\(index)", now: .seconds(2)) == [1]) }
        let statistics = cache.statistics
        #expect(statistics.expirations == 5)
        #expect(statistics.evictions == 0)
        #expect(statistics.entries == 10)
    }

    @Test("replacing a value replaces its bytes")
    func replacingUpdatesBytes() throws {
        let cache = try Self.cache()
        cache.set("k", Array(repeating: 0, count: 10), expiresAt: nil, now: .zero)
        #expect(cache.statistics.bytes == 10)
        cache.set("k", Array(repeating: 1, count: 25), expiresAt: nil, now: .zero)
        #expect(cache.statistics.bytes == 25)
        #expect(cache.statistics.entries == 1)
        #expect(cache.get("k", now: .zero) == Array(repeating: 1, count: 25))
        cache.set("k", [], expiresAt: nil, now: .zero)
        #expect(cache.statistics.bytes == 0)
    }

    @Test("an entry larger than the largest allowed is refused, and replaces nothing")
    func tooLargeEntriesAreRefused() throws {
        let cache = try Self.cache(entryBytes: 100)
        cache.set("k", [1], expiresAt: nil, now: .zero)
        #expect(cache.set("k", Array(repeating: 0, count: 101), expiresAt: nil, now: .zero) == false)
        #expect(cache.get("k", now: .zero) == nil)
        #expect(cache.set("k", Array(repeating: 0, count: 100), expiresAt: nil, now: .zero))
        let statistics = cache.statistics
        #expect(statistics.rejections == 1)
        #expect(statistics.bytes == 100)
    }

    @Test("without maximumEntryBytes, one shard's byte budget is the limit")
    func defaultEntryLimitIsAShardsBudget() throws {
        let cache = try Self.cache(bytes: 1_000, shards: 4)
        #expect(cache.set("small", Array(repeating: 0, count: 250), expiresAt: nil, now: .zero))
        #expect(cache.set("large", Array(repeating: 0, count: 251), expiresAt: nil, now: .zero) == false)
    }

    @Test("removeAll(where:) purges a prefix across shards")
    func prefixPurge() throws {
        let cache = try Self.cache(shards: 4)
        for index in 0..<20 { cache.set("user:\(index)", [1], expiresAt: nil, now: .zero) }
        for index in 0..<7 { cache.set("page:\(index)", [1], expiresAt: nil, now: .zero) }
        #expect(cache.removeAll { $0.hasPrefix("user:") } == 20)
        #expect(cache.statistics.entries == 7)
        #expect(cache.get("user:3", now: .zero) == nil)
        #expect(cache.get("page:3", now: .zero) == [1])
        cache.removeAll()
        #expect(cache.statistics.entries == 0)
        #expect(cache.statistics.bytes == 0)
    }

    @Test("remove returns the value it removed")
    func removeReturnsTheValue() throws {
        let cache = try Self.cache()
        cache.set("k", [7], expiresAt: nil, now: .zero)
        #expect(cache.remove("k") == [7])
        #expect(cache.remove("k") == nil)
        #expect(cache.statistics.entries == 0)
    }

    @Test("statistics count hits, misses, evictions and rejections")
    func statisticsCounts() throws {
        let cache = try Self.cache(entries: 2)
        _ = cache.get("a", now: .zero)
        cache.set("a", [1], expiresAt: nil, now: .zero)
        _ = cache.get("a", now: .zero)
        _ = cache.get("a", now: .zero)
        cache.set("b", [1, 2], expiresAt: nil, now: .zero)
        cache.set("c", [1, 2, 3], expiresAt: nil, now: .zero)
        let statistics = cache.statistics
        #expect(statistics.hits == 2)
        #expect(statistics.misses == 1)
        #expect(statistics.entries == 2)
        #expect(statistics.evictions + statistics.rejections == 1)
        #expect(statistics.hitRatio == 2.0 / 3.0)
    }

    @Test("an invalid configuration reports every problem with its key path")
    func configurationValidation() {
        let configuration = MemoryCacheConfiguration(maximumEntries: 0, maximumBytes: -1, maximumEntryBytes: 0, shards: 0)
        #expect(configuration.validationIssues(prefix: "cache").map(\.keyPath) == [
            "cache.maximumEntries", "cache.maximumBytes", "cache.maximumEntryBytes", "cache.shards",
        ])
        #expect(throws: ConfigurationError.self) {
            _ = try MemoryCache<[UInt8]>(configuration: configuration) { $0.count }
        }
        #expect(MemoryCacheConfiguration().shards == 4)
        #expect(MemoryCacheConfiguration(maximumEntries: 100).shards == 1)
        #expect(MemoryCacheConfiguration(maximumEntries: 1_000_000).shards == 16)
        #expect(MemoryCacheConfiguration().validationIssues().isEmpty)
    }
}
