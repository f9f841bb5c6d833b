import BulwarkTestSupport
import MetricsTestKit
import Resilience
import Synchronization
import Testing

@testable import BulwarkRedis

/// A monotonic clock the test moves.
final class ManualNanoClock: Sendable {
    private let value = Mutex<UInt64>(1_000_000_000)
    var now: UInt64 { value.withLock { $0 } }
    func advance(by nanoseconds: UInt64) { value.withLock { $0 += nanoseconds } }
}

@Suite("Leased rate limits against a real Redis", .enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct LeasingRateLimitStoreTests {
    static func leased(_ name: String, limit: Int, per window: Duration) -> RateLimitPolicy {
        var policy = RateLimitPolicy(name: name, limit: limit, per: window)
        policy.sharing = .leased
        return policy
    }

    @Test("three instances leasing one allowance never admit more than it holds, and most decisions cost no round trip")
    func threeInstancesShareOneAllowance() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let policy = Self.leased("api", limit: 400, per: .seconds(3_600))
        let clock = ManualNanoClock()
        let clients = try (0..<3).map { _ in try RedisClient(configuration: RedisConfiguration(url: server.url)) }
        let counters = (0..<3).map { _ in LeaseFetchCounter() }
        let stores = zip(clients, counters).map { client, counter in
            LeasingRateLimitStore(
                exact: RedisScriptRateLimitStore(client: client, timeout: .seconds(2)), maximumSlice: 50, clock: { clock.now },
                metricsFactory: counter.factory
            )
        }
        // A first second of traffic teaches each instance its rate; the next seconds use bigger slices.
        var admitted = 0
        var decisions = 0
        for _ in 0..<4 {
            let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<150 {
                    group.addTask { try await stores[index % 3].acquire(key: "tenant-7", policy: policy, cost: 1).allowed }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            admitted += allowed
            decisions += 150
            clock.advance(by: 1_000_000_000)
        }
        let state = try await stores[0].exact.client.send("GET", "bulwark:rl:api:tenant-7")
        #expect(state.string != nil, "the leases took from the shared GCRA state")
        // The allowance is 400 (burst = limit) and an hour's refill is negligible here: leases never
        // overshoot it; unspent slices (at most one per instance) are the only shortfall.
        #expect(admitted <= 400, "admitted \(admitted) of an allowance of 400")
        #expect(admitted >= 400 - 3 * 50, "admitted \(admitted): more lost than one slice per instance")
        let outstanding = stores.map(\.outstanding).reduce(0, +)
        #expect(admitted + outstanding <= 400)
        // Second 1 leases one request at a time (no rate known yet); later seconds take slices.
        let fetches = counters.map(\.fetches).reduce(0, +)
        #expect(fetches < decisions / 3, "\(fetches) round trips for \(decisions) decisions (\(admitted) admitted)")
        for client in clients { await client.shutdown() }
    }

    @Test("leased and exact instances share one allowance under the same key")
    func leasedAndExactShare() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let client = try RedisClient(configuration: RedisConfiguration(url: server.url))
        let exactStore = RedisScriptRateLimitStore(client: client, timeout: .seconds(2))
        let leasing = LeasingRateLimitStore(exact: exactStore)
        let exactPolicy = RateLimitPolicy(name: "mixed", limit: 20, per: .seconds(3_600))
        let leasedPolicy = Self.leased("mixed", limit: 20, per: .seconds(3_600))
        var allowed = 0
        for index in 0..<60 {
            let decision = index % 2 == 0
                ? try await leasing.acquire(key: "k", policy: leasedPolicy, cost: 1)
                : try await exactStore.acquire(key: "k", policy: exactPolicy, cost: 1)
            if decision.allowed { allowed += 1 }
        }
        #expect(allowed == 20)
        await client.shutdown()
    }

    @Test("decideLocally: nil before any lease and for exact policies; from the lease once one is held")
    func decideLocallyFromTheLease() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let client = try RedisClient(configuration: RedisConfiguration(url: server.url))
        let store = try RedisRateLimitStore(client: client, timeout: .seconds(2))
        let policy = Self.leased("fast", limit: 1_000, per: .seconds(3_600))
        #expect(store.decideLocally(key: "k", policy: policy, cost: 1) == nil)
        #expect(store.decideLocally(key: "k", policy: RateLimitPolicy(name: "e", limit: 5, per: .seconds(60)), cost: 1) == nil)
        #expect(try await store.acquire(key: "k", policy: policy, cost: 1).allowed)
        // The first lease held one request (no rate known yet), now spent: the next one needs a fetch.
        #expect(store.decideLocally(key: "k", policy: policy, cost: 1) == nil)
        // After a busy second, a lease holds many: they are decided locally.
        let clock = ManualNanoClock()
        let leasing = LeasingRateLimitStore(exact: RedisScriptRateLimitStore(client: client, timeout: .seconds(2)), clock: { clock.now })
        for _ in 0..<20 { _ = try await leasing.acquire(key: "busy", policy: policy, cost: 1) }
        clock.advance(by: 1_000_000_000)
        #expect(try await leasing.acquire(key: "busy", policy: policy, cost: 1).allowed)
        var local = 0
        while leasing.decideLocally(key: "busy", policy: policy, cost: 1)?.allowed == true { local += 1 }
        #expect(local == 19, "a slice of 20 after 20 requests in the last second, one spent by the fetch")
        await client.shutdown()
    }

    @Test("a refused key answers from memory until its retry time, with Retry-After")
    func refusalsAreLocal() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let client = try RedisClient(configuration: RedisConfiguration(url: server.url))
        let counter = LeaseFetchCounter()
        let leasing = LeasingRateLimitStore(exact: RedisScriptRateLimitStore(client: client, timeout: .seconds(2)), metricsFactory: counter.factory)
        let policy = Self.leased("tight", limit: 3, per: .seconds(3_600))
        var results: [Bool] = []
        for _ in 0..<20 { results.append(try await leasing.acquire(key: "k", policy: policy, cost: 1).allowed) }
        #expect(results.filter { $0 }.count == 3)
        let refused = try await leasing.acquire(key: "k", policy: policy, cost: 1)
        #expect(!refused.allowed)
        #expect((refused.retryAfter ?? .zero) > .seconds(1_000))
        #expect(counter.fetches <= 4, "refusals went to Redis: \(counter.fetches) fetches for 21 decisions")
        await client.shutdown()
    }

    @Test("with Redis gone, a leased policy fails over to local limits like an exact one")
    func failover() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.borrowTimeout = .milliseconds(200)
        let client = try RedisClient(configuration: configuration)
        let store = try RedisRateLimitStore(client: client, timeout: .milliseconds(200))
        let policy = Self.leased("f", limit: 1_000, per: .seconds(60))
        #expect(try await store.acquire(key: "k", policy: policy, cost: 1).allowed)
        server.kill()
        for _ in 0..<5 { _ = try await store.acquire(key: "k", policy: policy, cost: 1) }
        #expect(try await store.acquire(key: "k", policy: policy, cost: 1).allowed, "decided locally")
        #expect(store.backend == .memory)
        await client.shutdown()
    }
}

/// Counts `bulwark_ratelimit_lease_fetches_total` through an injected metrics factory.
final class LeaseFetchCounter: Sendable {
    let factory = TestMetrics()
    var fetches: Int {
        Int((try? factory.expectCounter("bulwark_ratelimit_lease_fetches_total"))?.totalValue ?? 0)
    }
}
