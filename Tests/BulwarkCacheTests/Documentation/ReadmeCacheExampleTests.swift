import BulwarkCache
import BulwarkRedis
import BulwarkTestSupport
import Foundation
import Testing

/// The README's cache example, compiled and run against a real Redis. `readmeShowsThisExample` keeps the
/// two copies identical.
enum ReadmeCacheExample {
    struct Profile: Codable, Sendable, Equatable {
        var id: Int
        var name: String
    }

    /// Stands in for the app's database.
    struct Database: Sendable {
        let loads: LoadCount
        func profile(id: Int) async throws -> Profile {
            loads.increment()
            return Profile(id: id, name: "Ada")
        }
    }

    static func run(redisURL: String, database: Database) async throws -> (Profile, TieredCache, Task<Void, Never>) {
        // cache-example:start
        let redis = try RedisClient(url: redisURL)
        let bus = InvalidationBus(redis: redis)
        let cache = try TieredCache(configuration: TieredCacheConfiguration(namespace: CacheNamespace("app")), redis: redis, bus: bus)
        let invalidations = Task { await bus.run() }   // other instances' purges reach this memory tier

        let options = CacheEntryOptions(ttl: .seconds(60), staleWhileRevalidate: .seconds(30), staleIfError: .seconds(600), tags: ["users"])
        let profile = try await cache.get("user:42", as: Profile.self, options: options) {
            try await database.profile(id: 42)   // once per key at a time, however many callers miss
        }
        await cache.invalidate(tag: "users")   // here, in Redis, and on every other instance
        // cache-example:end
        return (profile, cache, invalidations)
    }
}

@Suite(.enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct ReadmeCacheExampleTests {
    @Test func theExampleLoadsOnceAndInvalidatesByTag() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let loads = LoadCount()
        let (profile, cache, invalidations) = try await ReadmeCacheExample.run(redisURL: server.url, database: .init(loads: loads))
        #expect(profile == ReadmeCacheExample.Profile(id: 42, name: "Ada"))
        #expect(loads.value == 1)
        #expect(await cache.get("user:42") == nil, "invalidated by its tag")
        invalidations.cancel()
        await invalidations.value
    }

    @Test func readmeShowsThisExample() throws {
        let (inReadme, inTest) = try DocumentedExample.copies(named: "cache-example", sourceFile: #filePath)
        #expect(!inTest.isEmpty)
        #expect(inReadme == inTest, "README.md's cache example differs from the compiled one in \(#fileID)")
    }
}
