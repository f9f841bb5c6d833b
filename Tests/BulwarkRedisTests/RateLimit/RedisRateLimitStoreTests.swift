import BulwarkTestSupport
import InMemoryLogging
import Logging
import MetricsTestKit
import Resilience
import Synchronization
import Testing

@testable import BulwarkRedis

@Suite(.enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct RedisRateLimitStoreTests {
    @Test(arguments: RateLimitAlgorithm.allCases)
    func twoIndependentStoresShareOneLimitExactly(algorithm: RateLimitAlgorithm) async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let policy = RateLimitPolicy(name: "shared", limit: 50, per: .seconds(3_600), algorithm: algorithm)
        let clients = try (0..<2).map { _ in try RedisClient(configuration: RedisConfiguration(url: server.url)) }
        let stores = clients.map { RedisScriptRateLimitStore(client: $0, timeout: .seconds(2)) }
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<300 {
                group.addTask { try await stores[index % 2].acquire(key: "client-1", policy: policy, cost: 1).allowed }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 50, "300 concurrent requests through two stores, one limit of 50")
        for client in clients { await client.shutdown() }
    }

    @Test(arguments: RateLimitAlgorithm.allCases)
    func decisionsCarryRemainingResetAndRetryAfter(algorithm: RateLimitAlgorithm) async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let client = try RedisClient(configuration: RedisConfiguration(url: server.url))
        let store = RedisScriptRateLimitStore(client: client, timeout: .seconds(2))
        let policy = RateLimitPolicy(name: "auth", limit: 5, per: .seconds(900), algorithm: algorithm)
        var decisions: [RateLimitDecision] = []
        for _ in 0..<6 { decisions.append(try await store.acquire(key: "10.0.0.1", policy: policy, cost: 1)) }
        #expect(decisions.map(\.allowed) == [true, true, true, true, true, false])
        #expect(decisions.map(\.remaining) == [4, 3, 2, 1, 0, 0])
        let retry = try #require(decisions[5].retryAfter)
        #expect(retry > .seconds(179) && retry <= .seconds(180), "one request comes back every 180 s")
        #expect(decisions[4].resetAfter > .seconds(899) && decisions[4].resetAfter <= .seconds(900))
        let tooBig = try await store.acquire(key: "other", policy: policy, cost: 6)
        #expect(!tooBig.allowed && tooBig.retryAfter == nil)
        await client.shutdown()
    }

    @Test func keysAreNamespacedAndExpireByThemselves() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let client = try RedisClient(configuration: RedisConfiguration(url: server.url))
        let store = RedisScriptRateLimitStore(client: client, timeout: .seconds(2))
        _ = try await store.acquire(key: "1.2.3.4", policy: .auth, cost: 1)
        let keys = try await client.send("KEYS", "*").array?.compactMap(\.string)
        #expect(keys == ["bulwark:rl:auth:1.2.3.4"])
        let ttl = try await client.send("PTTL", "bulwark:rl:auth:1.2.3.4").int ?? -1
        #expect(ttl > 179_000 && ttl <= 180_000, "expires once one request's allowance is back")
        try await store.reset(key: "1.2.3.4", policy: .auth)
        #expect(try await client.send("EXISTS", "bulwark:rl:auth:1.2.3.4").int == 0)
        await client.shutdown()
    }
}

/// Counts which backend each decision came from.
final class Recorder: Sendable {
    private let counts = Mutex([FailoverRateLimitStore.Backend: Int]())
    func note(_ backend: FailoverRateLimitStore.Backend) { counts.withLock { $0[backend, default: 0] += 1 } }
    func count(_ backend: FailoverRateLimitStore.Backend) -> Int { counts.withLock { $0[backend] ?? 0 } }
}

@Suite(.enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct FailoverRateLimitStoreTests {
    @Test func aKilledServerDegradesToLocalLimitsAndComesBack() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let client = try RedisClient(configuration: RedisConfiguration(url: server.url))
        let metrics = TestMetrics()
        var handler = InMemoryLogHandler()
        handler.logLevel = .info
        let logger = Logger(label: "test", factory: { [handler] _ in handler })
        let store = try FailoverRateLimitStore(
            primary: RedisScriptRateLimitStore(client: client, timeout: .milliseconds(500)),
            expectedInstances: 2,
            breaker: CircuitBreakerConfiguration(name: "rl", consecutiveFailureThreshold: 2, openDuration: .milliseconds(100), permittedCallsInHalfOpen: 1),
            logger: logger,
            metricsFactory: metrics
        )
        let policy = RateLimitPolicy(name: "chaos", limit: 1_000, per: .seconds(3_600))

        // A stream of decisions runs throughout; the server is killed in the middle of it and restarted.
        let backendsSeen = Recorder()
        let stream = Task {
            var decisions = 0
            while !Task.isCancelled && decisions < 100_000 {
                _ = try await store.acquire(key: "k\(decisions % 10)", policy: policy, cost: 1)   // must never throw
                backendsSeen.note(store.backend)
                decisions += 1
                await Task.yield()
            }
            return decisions
        }
        _ = try await eventually { guard backendsSeen.count(.redis) >= 20 else { throw TestFailure("warming up") } }

        server.kill()
        _ = try await eventually { guard store.backend == .memory else { throw TestFailure("still on redis") } }
        let onMemory = backendsSeen.count(.memory)
        _ = try await eventually { guard backendsSeen.count(.memory) >= onMemory + 20 else { throw TestFailure("no local decisions") } }
        #expect(try metrics.expectGauge("bulwark_ratelimit_backend", [("backend", "memory")]).lastValue == 1)
        #expect(try metrics.expectGauge("bulwark_ratelimit_backend", [("backend", "redis")]).lastValue == 0)

        try await server.launch()
        _ = try await eventually { guard store.backend == .redis else { throw TestFailure("still on memory") } }
        stream.cancel()
        let decisions = try await stream.value   // rethrows any error a caller saw: there must be none
        #expect(decisions > 40)
        #expect(try metrics.expectGauge("bulwark_ratelimit_backend", [("backend", "redis")]).lastValue == 1)
        let lines = handler.entries.map { "\($0.message)" }
        // One line per transition: they alternate, starting with the fall-back and ending with the return.
        let transitions = lines.filter { $0.hasPrefix("rate limits now decided in memory") || $0.hasPrefix("rate limits decided by the shared store again") }
        #expect(transitions.count >= 2 && transitions.count % 2 == 0, "\(transitions)")
        let counted = try metrics.expectCounter("bulwark_ratelimit_backend_transitions_total", [("to", "memory")]).totalValue
            + metrics.expectCounter("bulwark_ratelimit_backend_transitions_total", [("to", "redis")]).totalValue
        #expect(Int(counted) == transitions.count, "one counted transition per log line")
        for (index, line) in transitions.enumerated() {
            #expect(line.hasPrefix(index % 2 == 0 ? "rate limits now decided in memory" : "rate limits decided by the shared store again"))
        }
        await client.shutdown()
    }

    @Test func theRedisStoreNeverThrowsARedisError() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let client = try RedisClient(url: server.url)
        let store = try RedisRateLimitStore(client: client, timeout: .seconds(2), expectedInstances: 1, metricsFactory: TestMetrics())
        let policy = RateLimitPolicy(name: "p", limit: 3, per: .seconds(3_600))
        #expect(try await store.acquire(key: "k", policy: policy, cost: 1).allowed)
        #expect(store.backend == .redis)
        server.kill()
        var allowed = 0
        for _ in 0..<10 where try await store.acquire(key: "k", policy: policy, cost: 1).allowed { allowed += 1 }
        #expect(allowed == 3, "the local limiter starts afresh with the same limit of 3")
        #expect(store.backend == .memory)
        await client.shutdown()
    }

    @Test func localLimitsAreThisInstancesShare() async throws {
        let dead = try RedisClient(configuration: RedisConfiguration(port: try RedisServer.freePort(), minimumConnections: 0, borrowTimeout: .milliseconds(20)))
        let store = try FailoverRateLimitStore(primary: RedisScriptRateLimitStore(client: dead), expectedInstances: 4, metricsFactory: TestMetrics())
        let policy = RateLimitPolicy(name: "p", limit: 100, per: .seconds(3_600))
        var allowed = 0
        for _ in 0..<60 where try await store.acquire(key: "k", policy: policy, cost: 1).allowed { allowed += 1 }
        #expect(allowed == 25, "100 / 4 instances: fail to local limits, never to unlimited")
        await dead.shutdown()
    }

    @Test func rejectsAnInvalidInstanceCount() throws {
        let client = try RedisClient(configuration: RedisConfiguration(minimumConnections: 0))
        #expect {
            try RedisRateLimitStore(client: client, expectedInstances: 0)
        } throws: { "\($0)".contains("redis.expectedInstances: must be ≥ 1, got 0") }
    }
}
