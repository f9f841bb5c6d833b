import BulwarkRedis
import BulwarkTestSupport
import MetricsTestKit
import NIOCore
import Resilience
import Testing

@testable import BulwarkCache

/// One instance of an app: its Redis client, bus and cache.
struct CacheInstance {
    let redis: RedisClient
    let bus: InvalidationBus
    let cache: TieredCache
    let busRun: Task<Void, Never>

    init(_ server: RedisServer, name: String, clock: any Clock<Duration> = ContinuousClock(), metrics: TestMetrics? = nil) async throws {
        var configuration = try RedisConfiguration(url: server.url)
        configuration.borrowTimeout = .milliseconds(100)
        redis = try RedisClient(configuration: configuration)
        bus = InvalidationBus(redis: redis, instanceID: name, backoff: .constant(.milliseconds(50)))
        cache = try TieredCache(
            configuration: TieredCacheConfiguration(namespace: CacheNamespace("app"), sharedTimeout: .milliseconds(100)),
            redis: redis, bus: bus, clock: clock, metricsFactory: metrics
        )
        let bus = bus
        busRun = Task { await bus.run() }
        try await eventually { bus.isConnected }
    }

    func stop() async {
        busRun.cancel()
        await busRun.value
        await redis.shutdown()
    }
}

@Suite(.enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)), .serialized)
struct TieredCacheRedisTests {
    let options = CacheEntryOptions(ttl: .seconds(60), refreshesEarly: false)

    @Test func anotherInstanceReadsWhatOneLoaded() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let metrics = TestMetrics()
        let (a, b) = (try await CacheInstance(server, name: "a"), try await CacheInstance(server, name: "b", metrics: metrics))
        let loader = ScriptedLoader("from the database")
        _ = try await a.cache.get("user:1", options: options) { try loader.load() }
        #expect(String(buffer: try await b.cache.get("user:1", options: options) { try loader.load() }) == "from the database")
        #expect(loader.calls == 1, "b found it in Redis")
        #expect(try metrics.expectCounter("bulwark_cache_requests_total", [("cache", "app"), ("tier", "redis"), ("result", "hit")]).totalValue == 1)
        await a.stop()
        await b.stop()
    }

    @Test func aPurgeOnOneInstanceReachesTheOthersMemoryWithinASecond() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let (a, b) = (try await CacheInstance(server, name: "a"), try await CacheInstance(server, name: "b"))
        for key in ["/api/catalog/1", "/api/catalog/2", "/api/other"] {
            await a.cache.set(key, ByteBuffer(string: key), options: CacheEntryOptions(ttl: .seconds(60), tags: ["t-\(key.count)"]))
            _ = await b.cache.get(key)  // now in b's memory too
        }
        #expect(b.cache.memory?.statistics.entries == 3)
        let started = ContinuousClock.now
        #expect(await a.cache.invalidate(prefix: "/api/catalog/") == 2)
        try await eventually(within: 1) { b.cache.memory?.statistics.entries == 1 }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(await b.cache.get("/api/catalog/1") == nil, "gone from Redis as well")
        #expect(await b.cache.get("/api/other") != nil)

        #expect(await a.cache.invalidate(tag: "t-10") == 1)  // "/api/other"
        try await eventually(within: 1) { b.cache.memory?.statistics.entries == 0 }
        let keys = (try await a.redis.send("KEYS", "app|*").array ?? []).compactMap(\.string)
        // Tag sets of keys removed by prefix stay until they expire with their members; values are gone.
        let values = keys.filter { !$0.hasPrefix("app|~tag:") }
        #expect(values.isEmpty && !keys.contains("app|~tag:t-10"), "\(keys)")
        await a.stop()
        await b.stop()
    }

    @Test func aDeadRedisDegradesToMemoryWithoutErrorsAndComesBack() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let clock = ManualClock()
        let metrics = TestMetrics()
        let a = try await CacheInstance(server, name: "a", clock: clock, metrics: metrics)
        let loader = ScriptedLoader("v")
        _ = try await a.cache.get("hot", options: options) { try loader.load() }
        server.kill()
        for index in 0..<20 {
            #expect(String(buffer: try await a.cache.get("hot", options: options) { try loader.load() }) == "v")
            // A key never seen: memory misses, Redis is skipped, the loader answers; nothing throws.
            _ = try await a.cache.get("cold-\(index)", options: options) { try loader.load() }
        }
        let backend = try metrics.expectGauge("bulwark_cache_backend", [("cache", "app"), ("tier", "redis")])
        #expect(backend.lastValue == 0)
        #expect(a.cache.shared?.isAvailable == false)

        try await server.launch()
        // The client reconnects with backoff; until it has, a trial call fails and opens the breaker for
        // another 2 s of the manual clock: each try moves past that.
        try await eventually(within: 20) {
            clock.advance(by: .seconds(3))
            _ = await a.cache.lookup("anything")
            return backend.lastValue == 1
        }
        await a.cache.set("after", ByteBuffer(string: "back"), options: options)
        #expect(try await a.redis.send("EXISTS", "app|after").int == 1)
        await a.stop()
    }

    @Test func aLockIsHeldByOneInstanceUntilReleasedOrExpired() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let (a, b) = (try await CacheInstance(server, name: "a"), try await CacheInstance(server, name: "b"))
        let sharedA = try #require(a.cache.shared), sharedB = try #require(b.cache.shared)
        #expect(await sharedA.lock("k", ttl: .seconds(5), token: "a") == .acquired)
        #expect(await sharedB.lock("k", ttl: .seconds(5), token: "b") == .held)
        await sharedB.unlock("k", token: "b")  // not b's: stays
        #expect(await sharedB.lock("k", ttl: .seconds(5), token: "b") == .held)
        await sharedA.unlock("k", token: "a")
        #expect(await sharedB.lock("k", ttl: .milliseconds(50), token: "b") == .acquired)
        try await eventually { await sharedA.lock("k", ttl: .seconds(5), token: "a") == .acquired }
        server.kill()
        #expect(await sharedA.lock("other", ttl: .seconds(5), token: "a") == .unavailable)
        await a.stop()
        await b.stop()
    }
}
