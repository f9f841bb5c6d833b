import Testing

@testable import BulwarkRedis

/// ``RateLimitLease`` on a manual clock (nanoseconds).
@Suite("Rate-limit lease machine")
struct RateLimitLeaseTests {
    static let limits = RateLimitLease.Limits(duration: 1_000_000_000, maximumSlice: 50)
    static let second: UInt64 = 1_000_000_000

    @Test("an empty lease fetches once; requests meanwhile wait; the grant is spent locally until it runs out or expires")
    func fetchSpendExpire() {
        var lease = RateLimitLease()
        #expect(lease.request(cost: 1, now: 10, limits: Self.limits) == .fetch(size: 1))
        #expect(lease.request(cost: 1, now: 11, limits: Self.limits) == .wait)
        #expect(lease.granted(5, remaining: 20, retryAfter: 0, cost: 1, now: 12, limits: Self.limits) == .allow(remaining: 24))
        #expect(lease.unspent(now: 12) == 4)
        for expected in [23, 22, 21, 20] {
            #expect(lease.request(cost: 1, now: 13, limits: Self.limits) == .allow(remaining: expected))
        }
        guard case .fetch = lease.request(cost: 1, now: 14, limits: Self.limits) else { Issue.record("a spent lease must fetch"); return }
        #expect(lease.granted(3, remaining: 0, retryAfter: 0, cost: 1, now: 15, limits: Self.limits) == .allow(remaining: 2))
        #expect(lease.unspent(now: 15 + Self.second) == 0, "expired")
        guard case .fetch = lease.request(cost: 1, now: 15 + Self.second, limits: Self.limits) else { Issue.record("an expired lease must fetch"); return }
    }

    @Test("a refusal is remembered until its retry time: no round trip per refused request")
    func refusalRemembered() {
        var lease = RateLimitLease()
        _ = lease.request(cost: 1, now: 0, limits: Self.limits)
        #expect(lease.granted(0, remaining: 0, retryAfter: 500, cost: 1, now: 100, limits: Self.limits) == .deny(retryAfter: 500, remaining: 0))
        #expect(lease.request(cost: 1, now: 300, limits: Self.limits) == .deny(retryAfter: 300, remaining: 0))
        guard case .fetch = lease.request(cost: 1, now: 600, limits: Self.limits) else { Issue.record("after the retry time it asks again"); return }
    }

    @Test("the slice follows the last second's rate, capped by the maximum")
    func sliceFollowsRate() {
        var lease = RateLimitLease()
        var now: UInt64 = 1
        // Second 1: 30 requests, each on a one-request lease.
        for _ in 0..<30 {
            if case .fetch = lease.request(cost: 1, now: now, limits: Self.limits) {
                _ = lease.granted(1, remaining: 1_000, retryAfter: 0, cost: 1, now: now, limits: Self.limits)
            }
            now += 1_000
        }
        now = Self.second + 10
        #expect(lease.request(cost: 1, now: now, limits: Self.limits) == .fetch(size: 30))
        _ = lease.granted(30, remaining: 1_000, retryAfter: 0, cost: 1, now: now, limits: Self.limits)
        for _ in 0..<200 {
            if case .fetch = lease.request(cost: 1, now: now, limits: Self.limits) {
                _ = lease.granted(50, remaining: 1_000, retryAfter: 0, cost: 1, now: now, limits: Self.limits)
            }
        }
        now = 2 * Self.second + 20
        #expect(lease.request(cost: 1, now: now, limits: Self.limits) == .fetch(size: 50), "capped at maximumSlice")
    }

    @Test("a failed fetch lets the next request try again")
    func failedFetch() {
        var lease = RateLimitLease()
        _ = lease.request(cost: 1, now: 0, limits: Self.limits)
        lease.fetchFailed()
        #expect(!lease.fetching)
        guard case .fetch = lease.request(cost: 1, now: 1, limits: Self.limits) else { Issue.record("expected a new fetch"); return }
    }

    @Test("decideLocally answers from the lease or a refusal in force, and otherwise leaves everything as it was")
    func decideLocally() {
        var lease = RateLimitLease()
        #expect(lease.decideLocally(cost: 1, now: 0) == nil)
        #expect(lease.request(cost: 1, now: 0, limits: Self.limits) == .fetch(size: 1), "the nil answer took nothing and started no fetch")
        _ = lease.granted(3, remaining: 10, retryAfter: 0, cost: 1, now: 1, limits: Self.limits)
        #expect(lease.decideLocally(cost: 1, now: 2) == .allow(remaining: 11))
        #expect(lease.decideLocally(cost: 1, now: 3) == .allow(remaining: 10))
        #expect(lease.decideLocally(cost: 1, now: 4) == nil, "spent")
        guard case .fetch = lease.request(cost: 1, now: 5, limits: Self.limits) else { Issue.record("expected a fetch"); return }
        _ = lease.granted(0, remaining: 0, retryAfter: 100, cost: 1, now: 6, limits: Self.limits)
        #expect(lease.decideLocally(cost: 1, now: 50) == .deny(retryAfter: 56, remaining: 0))
        #expect(lease.decideLocally(cost: 1, now: 106) == nil)
    }
}
