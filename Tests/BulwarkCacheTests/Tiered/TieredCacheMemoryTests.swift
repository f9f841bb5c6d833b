import BulwarkTestSupport
import MetricsTestKit
import NIOCore
import Resilience
import Synchronization
import Testing

@testable import BulwarkCache

/// Counts loader calls and lets a test decide what the next load returns or throws.
final class ScriptedLoader: Sendable {
    struct Failure: Error {}
    private let state = Mutex<(calls: Int, next: String?, fails: Bool)>((0, nil, false))
    init(_ first: String) { state.withLock { $0.next = first } }
    var calls: Int { state.withLock { $0.calls } }
    func answer(_ text: String) { state.withLock { $0.next = text; $0.fails = false } }
    func fail() { state.withLock { $0.fails = true } }
    func load() throws -> ByteBuffer {
        let (text, fails) = state.withLock { state -> (String?, Bool) in
            state.calls += 1
            return (state.next, state.fails)
        }
        if fails { throw Failure() }
        return ByteBuffer(string: text ?? "")
    }
}

func memoryCache(_ clock: ManualClock, metrics: TestMetrics? = nil, beta: Double = 0) throws -> TieredCache {
    try TieredCache(
        configuration: TieredCacheConfiguration(namespace: CacheNamespace("test"), earlyRefreshBeta: beta),
        clock: clock, wallOrigin: 1_700_000_000_000, random: .seeded(7), metricsFactory: metrics
    )
}

func eventually(within seconds: Double = 5, _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !(await condition()) {
        guard ContinuousClock.now < deadline else { throw TestFailure("condition not met within \(seconds) s") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

@Suite struct TieredCacheMemoryTests {
    let options = CacheEntryOptions(ttl: .seconds(60), staleWhileRevalidate: .seconds(30), staleIfError: .seconds(600), refreshesEarly: false)

    @Test func aHitDoesNotLoadAgain() async throws {
        let clock = ManualClock()
        let cache = try memoryCache(clock)
        let loader = ScriptedLoader("v1")
        #expect(String(buffer: try await cache.get("k", options: options) { try loader.load() }) == "v1")
        clock.advance(by: .seconds(59))
        #expect(String(buffer: try await cache.get("k", options: options) { try loader.load() }) == "v1")
        #expect(loader.calls == 1)
        #expect(await cache.get("k").map { String(buffer: $0) } == "v1")
    }

    @Test func aStaleValueIsServedAtOnceWhileOneReloadRunsBehindIt() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let cache = try memoryCache(clock, metrics: metrics)
        let loader = ScriptedLoader("v1")
        _ = try await cache.get("k", options: options) { try loader.load() }
        loader.answer("v2")
        clock.advance(by: .seconds(70))  // in the revalidation window
        #expect(await cache.get("k") == nil, "a stale value is not fresh")
        #expect(String(buffer: try await cache.get("k", options: options) { try loader.load() }) == "v1")
        try await eventually { await cache.get("k").map { String(buffer: $0) } == "v2" }
        #expect(loader.calls == 2)
        #expect(try metrics.expectCounter("bulwark_cache_stale_served_total", [("cache", "test"), ("reason", "revalidate")]).totalValue == 1)
    }

    @Test func inTheErrorWindowAFailedReloadServesTheStaleValue() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let cache = try memoryCache(clock, metrics: metrics)
        let loader = ScriptedLoader("v1")
        _ = try await cache.get("k", options: options) { try loader.load() }
        loader.fail()
        clock.advance(by: .seconds(60 + 30 + 1))
        #expect(String(buffer: try await cache.get("k", options: options) { try loader.load() }) == "v1")
        #expect(try metrics.expectCounter("bulwark_cache_stale_served_total", [("cache", "test"), ("reason", "error")]).totalValue == 1)
        loader.answer("v2")
        #expect(String(buffer: try await cache.get("k", options: options) { try loader.load() }) == "v2", "a successful reload replaces it")
    }

    @Test func pastEveryWindowALoadFailureReachesTheCaller() async throws {
        let clock = ManualClock()
        let cache = try memoryCache(clock)
        let loader = ScriptedLoader("v1")
        _ = try await cache.get("k", options: options) { try loader.load() }
        loader.fail()
        clock.advance(by: .seconds(60 + 30 + 600))
        await #expect(throws: ScriptedLoader.Failure.self) { try await cache.get("k", options: options) { try loader.load() } }
    }

    @Test func concurrentMissesWaitForOneLoad() async throws {
        let metrics = TestMetrics()
        let cache = try memoryCache(ManualClock(), metrics: metrics)
        let calls = LoadCount()
        let gate = AsyncGate()
        let options = self.options
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    String(buffer: try await cache.get("hot", options: options) {
                        calls.increment()
                        await gate.wait()
                        return ByteBuffer(string: "loaded")
                    })
                }
            }
            try await eventually { cache.isLoading("hot") }
            try await Task.sleep(for: .milliseconds(50))  // let the other 99 join
            gate.open()
            for try await value in group { #expect(value == "loaded") }
        }
        #expect(calls.value == 1)
        let collapsed = try metrics.expectCounter("bulwark_cache_collapsed_loads_total", [("cache", "test")]).totalValue
        #expect(collapsed == 99)
    }

    @Test func earlyRefreshReloadsAFreshValueNearItsEnd() async throws {
        let clock = ManualClock()
        let cache = try memoryCache(clock, beta: 1)
        let loader = ScriptedLoader("v1")
        var early = options
        early.refreshesEarly = true
        let slowLoad: @Sendable () async throws -> ByteBuffer = {
            try await Task.sleep(for: .milliseconds(1))
            return try loader.load()
        }
        _ = try await cache.get("k", options: early, loader: slowLoad)
        // Far from the end: no early refresh whatever the draw.
        clock.advance(by: .seconds(1))
        _ = try await cache.get("k", options: early, loader: slowLoad)
        #expect(loader.calls == 1)
        // A hair before the end, a load of ≥ 1 ms makes the refresh all but certain.
        clock.advance(by: .milliseconds(58_999))
        loader.answer("v2")
        #expect(String(buffer: try await cache.get("k", options: early, loader: slowLoad)) == "v1")
        try await eventually { await cache.get("k").map { String(buffer: $0) } == "v2" }
    }

    @Test func invalidationByKeyPrefixAndTag() async throws {
        let cache = try memoryCache(ManualClock())
        for key in ["user:1", "user:2", "order:1"] {
            await cache.set(key, ByteBuffer(string: key), options: CacheEntryOptions(ttl: .seconds(60), tags: key == "order:1" ? ["orders"] : ["users"]))
        }
        #expect(await cache.invalidate(prefix: "user:") == 2)
        #expect(await cache.get("user:1") == nil)
        #expect(await cache.get("order:1") != nil)
        #expect(await cache.invalidate(tag: "orders") == 1)
        #expect(await cache.get("order:1") == nil)
        await cache.set("x", ByteBuffer(string: "x"), options: CacheEntryOptions(ttl: .seconds(60)))
        await cache.invalidate(key: "x")
        #expect(await cache.get("x") == nil)
    }

    @Test func codableValuesAndWarming() async throws {
        struct Profile: Codable, Sendable, Equatable { var id: Int; var name: String }
        let cache = try memoryCache(ManualClock())
        let profile = try await cache.get("p:1", as: Profile.self, options: options) { Profile(id: 1, name: "Ada") }
        #expect(profile == Profile(id: 1, name: "Ada"))
        #expect(try await cache.get("p:1", as: Profile.self, options: options) { Profile(id: 0, name: "not loaded") } == profile)
        let loaded = await cache.warm(["a", "b", "p:1"], options: options) { ByteBuffer(string: $0) }
        #expect(loaded == 2, "p:1 was there already")
        #expect(await cache.get("b").map { String(buffer: $0) } == "b")
    }

    @Test func anInvalidationDuringALoadKeepsItsResultOutOfTheCache() async throws {
        let cache = try memoryCache(ManualClock())
        let gate = AsyncGate()
        let loading = Task {
            try await cache.get("k", options: options) {
                await gate.wait()
                return ByteBuffer(string: "loaded before the purge was known")
            }
        }
        try await eventually { cache.isLoading("k") }
        await cache.invalidate(prefix: "k")
        gate.open()
        #expect(String(buffer: try await loading.value) == "loaded before the purge was known", "the caller still gets it")
        #expect(await cache.get("k") == nil, "but it is not stored")
    }

    @Test func aTagPurgeReachesValuesWhateverPathStoredThem() async throws {
        let cache = try memoryCache(ManualClock())
        for index in 0..<50 {
            await cache.set("item:\(index)", ByteBuffer(string: "\(index)"), options: CacheEntryOptions(ttl: .seconds(60), tags: index % 2 == 0 ? ["even"] : ["odd"]))
        }
        #expect(await cache.invalidate(tag: "even") == 25)
        #expect(await cache.get("item:2") == nil)
        #expect(await cache.get("item:3") != nil)
    }

    @Test func theTTLSpelledOutIsTheSameAsOptions() async throws {
        let clock = ManualClock()
        let cache = try memoryCache(clock)
        let loader = ScriptedLoader("v1")
        #expect(String(buffer: try await cache.get("k", ttl: .seconds(10), staleIfError: .seconds(60)) { try loader.load() }) == "v1")
        loader.fail()
        clock.advance(by: .seconds(30))
        #expect(String(buffer: try await cache.get("k", ttl: .seconds(10), staleIfError: .seconds(60)) { try loader.load() }) == "v1", "stale on error")
        let number = try await cache.get("n", as: Int.self, ttl: .seconds(10)) { 42 }
        #expect(number == 42)
    }

    @Test func evictionsAndSizeReachTheMetrics() async throws {
        let metrics = TestMetrics()
        let cache = try TieredCache(
            configuration: TieredCacheConfiguration(namespace: CacheNamespace("small"), memory: MemoryCacheConfiguration(maximumEntries: 10, maximumBytes: 1 << 20, shards: 1)),
            clock: ManualClock(), metricsFactory: metrics
        )
        for index in 0..<40 { await cache.set("k\(index)", ByteBuffer(string: "v"), options: CacheEntryOptions(ttl: .seconds(60))) }
        let statistics = try #require(cache.memoryStatistics)
        #expect(statistics.entries <= 10)
        let evictions = try metrics.expectCounter("bulwark_cache_evictions_total", [("cache", "small"), ("tier", "memory")]).totalValue
        #expect(evictions > 0 && Int(evictions) == statistics.evictions + statistics.rejections)
        #expect(try metrics.expectGauge("bulwark_cache_entries", [("cache", "small"), ("tier", "memory")]).lastValue == Double(statistics.entries))
    }

    @Test func anInvalidConfigurationNamesItsKeys() {
        #expect(throws: ConfigurationError.self) {
            try TieredCache(configuration: TieredCacheConfiguration(namespace: CacheNamespace("has space"), sharedTimeout: .zero))
        }
        let issues = TieredCacheConfiguration(namespace: CacheNamespace(""), sharedTimeout: .zero, earlyRefreshBeta: -1).validationIssues()
        #expect(Set(issues.map(\.keyPath)) == ["cache.namespace", "cache.shared_timeout", "cache.early_refresh_beta"])
    }
}

/// Counts loads from any task.
final class LoadCount: Sendable {
    private let count = Atomic(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// A one-shot gate that tasks wait on until a test opens it.
final class AsyncGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
