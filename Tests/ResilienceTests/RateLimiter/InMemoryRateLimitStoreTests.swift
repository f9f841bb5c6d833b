import Clocks
import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct InMemoryRateLimitStoreTests {
    @Test func keysAreIndependent() async throws {
        let limiter = try RateLimiter(policy: RateLimitPolicy(name: "p", limit: 1, per: .seconds(60)), clock: ManualClock())
        #expect(try await limiter.acquire(key: "alice").allowed)
        #expect(try await !limiter.acquire(key: "alice").allowed)
        #expect(try await limiter.acquire(key: "bob").allowed)
    }

    @Test func policiesWithTheSameKeyAreIndependent() async throws {
        let store = InMemoryRateLimitStore(clock: ManualClock())
        let auth = try RateLimiter(policy: RateLimitPolicy(name: "auth", limit: 1, per: .seconds(60)), store: store)
        let write = try RateLimiter(policy: RateLimitPolicy(name: "write", limit: 1, per: .seconds(60)), store: store)
        #expect(try await auth.acquire(key: "1.2.3.4").allowed)
        #expect(try await write.acquire(key: "1.2.3.4").allowed)
    }

    @Test func allowanceReturnsOnTheInjectedClock() async throws {
        let clock = ManualClock()
        let limiter = try RateLimiter(policy: RateLimitPolicy(name: "p", limit: 2, per: .seconds(10)), clock: clock)
        _ = try await limiter.acquire(key: "k")
        _ = try await limiter.acquire(key: "k")
        let denied = try await limiter.acquire(key: "k")
        #expect(!denied.allowed)
        #expect(denied.retryAfter == .seconds(5))
        await clock.advance(by: .milliseconds(4_999))
        #expect(try await !limiter.acquire(key: "k").allowed, "not yet")
        await clock.advance(by: .milliseconds(1))
        #expect(try await limiter.acquire(key: "k").allowed, "now")
    }

    @Test func idleKeysExpire() async throws {
        let clock = ManualClock()
        let store = InMemoryRateLimitStore(sweepInterval: .seconds(1), clock: clock)
        let policy = RateLimitPolicy(name: "p", limit: 10, per: .seconds(10))
        for key in 0..<100 { _ = store.decide(key: "k\(key)", policy: policy) }
        #expect(store.count == 100)
        await clock.advance(by: .seconds(2))
        _ = store.decide(key: "fresh", policy: policy)
        #expect(store.count == 1, "the 100 keys refilled after 1 s and were swept")
    }

    @Test func resetGivesTheAllowanceBack() async throws {
        let limiter = try RateLimiter(policy: RateLimitPolicy(name: "p", limit: 1, per: .seconds(60)), clock: ManualClock())
        _ = try await limiter.acquire(key: "k")
        try await limiter.reset(key: "k")
        #expect(try await limiter.acquire(key: "k").allowed)
    }

    @Test func concurrentRequestsNeverExceedTheLimit() async throws {
        let limiter = try RateLimiter(policy: RateLimitPolicy(name: "p", limit: 50, per: .seconds(3_600)), clock: ManualClock())
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<500 { group.addTask { try await limiter.acquire(key: "shared").allowed } }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 50)
    }

    @Test func keyedLimiterThrowsARetryAfterError() async throws {
        let limiter = try RateLimiter(policy: .auth, clock: ManualClock())
        let keyed = limiter.keyed("10.0.0.1")
        for _ in 0..<5 { _ = try await keyed.execute { 1 } }
        do {
            _ = try await keyed.execute { 1 }
            Issue.record("expected a rejection")
        } catch let error as RateLimitExceededError {
            #expect(error.retryAfter == .seconds(180))
            #expect("\(error)" == "rate limit 'auth' exceeded for '10.0.0.1': 5 per 15 min; retry in 3 min")
        }
    }
}
