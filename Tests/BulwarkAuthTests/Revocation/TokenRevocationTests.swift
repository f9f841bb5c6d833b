import BulwarkAuth
import BulwarkTestSupport
import MetricsTestKit
import Testing

/// One gateway on a memory store, no bus: the single-process mode.
@Suite("Token revocation in one process", .timeLimit(.minutes(1)))
struct TokenRevocationRevocationTests {
    let wall = TestWallClock()
    let metrics = TestMetrics()
    let t0 = RevocationFixture.epoch

    func revocation(_ store: MemoryRevocationStore, policy: StoreFailurePolicy = .allow, clock: ManualClock = ManualClock()) -> TokenRevocation {
        TokenRevocation(
            store: store, onStoreFailure: policy, maxTTL: .seconds(3600), leeway: .seconds(30), syncInterval: .seconds(30),
            now: wall.function, clock: clock, metricsFactory: metrics
        )
    }

    /// Starts `run()` and waits for the first load.
    func running(_ revocation: TokenRevocation) async throws -> Task<Void, Never> {
        let task = Task { await revocation.run() }
        try await RevocationFixture.eventually("the first load") { revocation.storeReachable }
        return task
    }

    @Test("a revoked token is refused at once; the store keeps it until exp + leeway")
    func revokeOneToken() async throws {
        let store = MemoryRevocationStore(now: wall.function)
        let revocation = revocation(store)
        let token = RevocationFixture.token(jti: "j1", expiresAt: t0 + 600)
        #expect(revocation.check(token) == .allowed)
        try await revocation.revoke(.forToken(token))
        #expect(revocation.check(token) == .revoked)
        #expect(revocation.check(RevocationFixture.token(jti: "j2")) == .allowed)
        try await revocation.revoke(.forToken(RevocationFixture.token(jti: nil, fingerprint: "beef")), origin: .logout)
        #expect(revocation.check(RevocationFixture.token(jti: nil, fingerprint: "beef")) == .revoked)

        #expect(try metrics.expectCounter("bulwark_auth_revocations_total", [("source", "admin")]).totalValue == 1)
        #expect(try metrics.expectCounter("bulwark_auth_revocations_total", [("source", "logout")]).totalValue == 1)
        #expect(try metrics.expectGauge("bulwark_auth_revocation_entries").lastValue == 2)
        wall.advance(by: 629)
        #expect(try await store.all().contains(.forToken(token)))
        #expect(revocation.check(token) == .revoked)
        wall.advance(by: 1)
        #expect(try await !store.all().contains(.forToken(token)), "stored for exp + leeway")
        #expect(revocation.check(token) == .allowed)
    }

    @Test("logging a user out everywhere refuses their earlier tokens, not a new login")
    func revokeAUser() async throws {
        let store = MemoryRevocationStore(now: wall.function)
        let revocation = revocation(store)
        try await revocation.revoke(.subject(issuer: "https://id.example", subject: "user-42", before: t0 + 10))
        #expect(revocation.check(RevocationFixture.token(jti: "a", issuedAt: t0)) == .revoked)
        #expect(revocation.check(RevocationFixture.token(jti: "b", issuedAt: t0 + 10)) == .allowed)
        #expect(revocation.check(RevocationFixture.token(jti: "c", subject: "user-7", issuedAt: t0)) == .allowed)
        wall.advance(by: 10 + 3600 + 29)
        #expect(try await store.all().count == 1, "stored until before + max_ttl + leeway")
        wall.advance(by: 1)
        #expect(try await store.all().isEmpty)
    }

    @Test("under deny, unknown tokens are refused until the list is loaded; known ones always")
    func denyUntilLoaded() async throws {
        let store = MemoryRevocationStore(now: wall.function)
        let revocation = revocation(store, policy: .deny)
        let (known, unknown) = (RevocationFixture.token(jti: "known"), RevocationFixture.token(jti: "unknown"))
        try await revocation.revoke(.forToken(known))
        #expect(!revocation.storeReachable)
        #expect(revocation.check(unknown) == .unavailable)
        #expect(revocation.check(known) == .revoked)
        #expect(try metrics.expectGauge("bulwark_auth_revocation_store_up").lastValue == 0)
        let run = try await running(revocation)
        #expect(revocation.check(unknown) == .allowed)
        #expect(revocation.check(known) == .revoked)
        #expect(try metrics.expectGauge("bulwark_auth_revocation_store_up").lastValue == 1)
        run.cancel()
        await run.value
    }

    @Test("run loads what the store already holds")
    func loadsAtStart() async throws {
        let store = MemoryRevocationStore(now: wall.function)
        try await store.add(.token(id: "jti:earlier", expiresAt: t0 + 600), ttl: .seconds(600))
        let revocation = revocation(store)
        #expect(revocation.check(RevocationFixture.token(jti: "earlier")) == .allowed)
        let run = try await running(revocation)
        #expect(revocation.check(RevocationFixture.token(jti: "earlier")) == .revoked)
        #expect(revocation.count == 1)
        run.cancel()
        await run.value
    }

    @Test("every sync interval, expired entries are forgotten")
    func purgesOnEachTick() async throws {
        let clock = ManualClock()
        let store = MemoryRevocationStore(now: wall.function)
        let revocation = revocation(store, clock: clock)
        let run = try await running(revocation)
        try await revocation.revoke(.forToken(RevocationFixture.token(jti: "j1", expiresAt: t0 + 60)))
        try await revocation.revoke(.forToken(RevocationFixture.token(jti: "j2", expiresAt: t0 + 6000)))
        wall.advance(by: 90)
        try await RevocationFixture.eventually("the ticker sleeps") { clock.sleepers == 1 }
        #expect(revocation.count == 2, "nothing forgotten before the tick")
        clock.advance(by: .seconds(30))
        try await RevocationFixture.eventually("the tick purged j1") { revocation.count == 1 }
        #expect(try metrics.expectGauge("bulwark_auth_revocation_entries").lastValue == 1)
        #expect(revocation.check(RevocationFixture.token(jti: "j2")) == .revoked)
        run.cancel()
        await run.value
    }
}
