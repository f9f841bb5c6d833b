import Testing

@testable import BulwarkCache

@Suite struct MemoryCacheConcurrencyTests {
    @Test("many tasks reading and writing at once keep the budgets and see only values set for their key")
    func concurrentUse() async throws {
        let cache = try MemoryCache<String>(
            configuration: MemoryCacheConfiguration(maximumEntries: 64, maximumBytes: 4_096, shards: 4),
            random: .seeded(9)
        ) { $0.utf8.count }
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for step in 0..<2_000 {
                        let key = "key-\((step * 31 + worker) % 200)"
                        if step % 3 == 0 {
                            cache.set(key, "\(key)=\(worker)", expiresAt: .seconds(step % 50 + 1), now: .seconds(step % 40))
                        } else if let value = cache.get(key, now: .seconds(step % 40)) {
                            #expect(value.hasPrefix("\(key)="))
                        }
                    }
                }
            }
        }
        let statistics = cache.statistics
        #expect(statistics.entries <= 64)
        #expect(statistics.bytes <= 4_096)
        #expect(statistics.hits + statistics.misses == 8 * 2_000 - 8 * 667)
    }
}
