import BulwarkAuth
import BulwarkRedis
import BulwarkTestSupport
import MetricsTestKit
import Resilience
import Testing

/// One gateway of the two-gateway tests: its own Redis client, bus and revocation list on the shared
/// redis-server, on the real wall clock (Redis expires keys in real time).
struct RevocationGateway {
    let redis: RedisClient
    let bus: InvalidationBus
    let revocation: TokenRevocation
    let store: RedisRevocationStore
    let metrics = TestMetrics()
    let tasks: [Task<Void, Never>]

    init(_ server: RedisServer, name: String, policy: StoreFailurePolicy) async throws {
        var configuration = try RedisConfiguration(url: server.url)
        configuration.borrowTimeout = .milliseconds(300)
        configuration.commandTimeout = .milliseconds(300)
        redis = try RedisClient(configuration: configuration)
        bus = InvalidationBus(redis: redis, instanceID: name, backoff: .constant(.milliseconds(50)))
        store = RedisRevocationStore(redis: redis, timeout: .milliseconds(300))
        // The sync interval never elapses during a test: what these tests see comes from the bus, its
        // resynchronisation and the retries of a failed load alone.
        revocation = TokenRevocation(
            store: store, bus: bus, onStoreFailure: policy, leeway: .zero, syncInterval: .seconds(3600),
            retryBackoff: .constant(.milliseconds(50)), metricsFactory: metrics
        )
        let (bus, revocation) = (bus, revocation)
        tasks = [Task { await bus.run() }, Task { await revocation.run() }]
        try await RevocationFixture.eventually("\(name) subscribed and loaded") { revocation.storeReachable }
    }

    func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await redis.shutdown()
    }
}

@Suite("Token revocation across gateways", .enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct TokenRevocationRedisRevocationTests {
    @Test("a token revoked on one gateway is refused by the other within a second; its Redis entry goes with its expiry")
    func revokedOnOneRefusedByTheOther() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let (a, b) = (try await RevocationGateway(server, name: "a", policy: .allow), try await RevocationGateway(server, name: "b", policy: .allow))
        let now = TokenRevocation.systemNow()
        let token = RevocationFixture.token(jti: "short-lived", issuedAt: now - 10, expiresAt: now + 2)
        #expect(b.revocation.check(token) == .allowed)

        try await a.revocation.revoke(.forToken(token))
        try await RevocationFixture.eventually(within: .seconds(1), "b refuses the token") { b.revocation.check(token) == .revoked }
        #expect(try b.metrics.expectCounter("bulwark_auth_revocations_total", [("source", "peer")]).totalValue == 1)

        let key = RedisArgument(a.store.key(.forToken(token)))
        let left = try #require(try await a.redis.send("PTTL", key).int)
        #expect(left > 0 && left <= 2_000, "the token's remaining life, got \(left) ms")
        try await RevocationFixture.eventually(within: .seconds(10), "the Redis entry expired") {
            try await a.redis.send("EXISTS", key).int == 0
        }
        #expect(b.revocation.check(token) == .allowed, "an expired token is no longer listed (the verifier refuses it as expired)")
        await a.stop()
        await b.stop()
    }

    @Test("Redis killed: each gateway follows its policy without a hang or an error, known revocations hold; Redis back: in step again")
    func redisKilledAndBack() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let (allowing, denying) = (try await RevocationGateway(server, name: "a", policy: .allow), try await RevocationGateway(server, name: "b", policy: .deny))
        let now = TokenRevocation.systemNow()
        let (before, during, unknown) = (
            RevocationFixture.token(jti: "before-the-crash", expiresAt: now + 600),
            RevocationFixture.token(jti: "during-the-crash", expiresAt: now + 600),
            RevocationFixture.token(jti: "never-revoked", expiresAt: now + 600)
        )
        try await allowing.revocation.revoke(.forToken(before))
        try await RevocationFixture.eventually("b learnt of the first revocation") { denying.revocation.check(before) == .revoked }

        server.kill()
        let revocation = allowing.revocation
        await #expect(throws: RevocationStoreError.self) {
            try await RevocationFixture.bounded { try await revocation.revoke(.forToken(during)) }
        }
        #expect(!allowing.revocation.storeReachable)
        #expect(try allowing.metrics.expectGauge("bulwark_auth_revocation_store_up").lastValue == 0)
        #expect(allowing.revocation.check(during) == .revoked, "applied on this gateway")
        #expect(allowing.revocation.check(before) == .revoked)
        #expect(allowing.revocation.check(unknown) == .allowed, "on_store_failure: allow")
        try await RevocationFixture.eventually("b noticed the bus went away") { !denying.revocation.storeReachable }
        #expect(denying.revocation.check(unknown) == .unavailable, "on_store_failure: deny")
        #expect(denying.revocation.check(before) == .revoked)

        try await server.launch()  // empty: the restarted Redis kept nothing
        try await RevocationFixture.eventually(within: .seconds(10), "both in step again") {
            allowing.revocation.storeReachable && denying.revocation.storeReachable
        }
        #expect(try allowing.metrics.expectGauge("bulwark_auth_revocation_store_up").lastValue == 1)
        try await RevocationFixture.eventually("b learnt of the revocation made during the crash") { denying.revocation.check(during) == .revoked }
        #expect(denying.revocation.check(unknown) == .allowed)
        let stored = Set(try await allowing.store.all())
        #expect(stored == [.forToken(before), .forToken(during)], "written back to the emptied Redis")
        await allowing.stop()
        await denying.stop()
    }

    @Test("a gateway started while Redis is down refuses unknown tokens under deny, and loads the list once Redis is up")
    func startsWhileRedisIsDown() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        server.kill()
        var configuration = try RedisConfiguration(url: server.url)
        configuration.borrowTimeout = .milliseconds(100)
        let redis = try RedisClient(configuration: configuration)
        let store = RedisRevocationStore(redis: redis, timeout: .milliseconds(100))
        // No bus: only the retries of the failed load can bring it back.
        let logs = RevocationLogRecorder()
        let revocation = TokenRevocation(
            store: store, onStoreFailure: .deny, syncInterval: .seconds(3600), retryBackoff: .constant(.milliseconds(50)), logger: logs.logger
        )
        let run = Task { await revocation.run() }
        let (token, unknown) = (RevocationFixture.token(jti: "revoked-meanwhile", expiresAt: TokenRevocation.systemNow() + 600), RevocationFixture.token(jti: "unknown"))
        await #expect(throws: RevocationStoreError.self) {
            try await RevocationFixture.bounded { try await revocation.revoke(.forToken(token)) }
        }
        #expect(!revocation.storeReachable)
        #expect(revocation.check(unknown) == .unavailable)
        #expect(revocation.check(token) == .revoked)

        try await server.launch()
        try await RevocationFixture.eventually(within: .seconds(10), "a retry loaded the list") { revocation.storeReachable }
        #expect(revocation.check(unknown) == .allowed)
        #expect(try await store.all() == [.forToken(token)], "written to the store once it answered")
        #expect(logs.lines(at: .warning).count == 1, "the switch to out of step is logged once: \(logs.lines(at: .warning))")
        #expect(logs.lines(at: .notice).count == 1, "and the way back once")
        let leaks = logs.all.filter { $0.contains("revoked-meanwhile") }
        #expect(leaks.isEmpty, "a whole token id was logged")
        run.cancel()
        await run.value
        await redis.shutdown()
    }

    @Test("the store gauge drops to 0 at the first tick after the bus went away, and is 1 again after the reload")
    func gaugeFollowsTheBus() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.borrowTimeout = .milliseconds(100)
        let redis = try RedisClient(configuration: configuration)
        let bus = InvalidationBus(redis: redis, instanceID: "a", backoff: .constant(.milliseconds(50)))
        let (clock, metrics) = (ManualClock(), TestMetrics())
        let revocation = TokenRevocation(
            store: RedisRevocationStore(redis: redis, timeout: .milliseconds(100)), bus: bus,
            syncInterval: .seconds(30), clock: clock, metricsFactory: metrics
        )
        let tasks = [Task { await bus.run() }, Task { await revocation.run() }]
        try await RevocationFixture.eventually("subscribed and loaded") { revocation.storeReachable }
        let storeUp = try metrics.expectGauge("bulwark_auth_revocation_store_up")
        #expect(storeUp.lastValue == 1)

        server.kill()
        try await RevocationFixture.eventually("the bus noticed") { !bus.isConnected }
        #expect(!revocation.storeReachable)
        try await RevocationFixture.eventually("the ticker sleeps") { clock.sleepers >= 1 }
        clock.advance(by: .seconds(30))
        try await RevocationFixture.eventually("the tick saw the bus down") { storeUp.lastValue == 0 }

        try await server.launch()
        try await RevocationFixture.eventually(within: .seconds(10), "resynchronised") { revocation.storeReachable && storeUp.lastValue == 1 }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await redis.shutdown()
    }
}
