import Metrics
import NIOCore
import Resilience
import Synchronization

/// The Redis ``RateLimitStore`` for both ``RateLimitSharing`` modes: `exact` policies go to
/// ``RedisScriptRateLimitStore`` (one script per request); `leased` ones are decided from leases
/// (``RateLimitLease``) that take slices of the same GCRA allowance, under the same keys, in one atomic
/// script each. Instances in either mode share one allowance.
///
/// Redis errors and timeouts are thrown, as by the script store: ``RedisRateLimitStore`` puts the
/// failover to local limits around this store.
///
/// Metrics: `bulwark_ratelimit_lease_outstanding` (requests leased by this instance and not yet
/// spent: what it may still admit beyond the shared count) and `bulwark_ratelimit_lease_fetches_total`.
public final class LeasingRateLimitStore: LocallyDecidingRateLimitStore {
    /// The store `exact` policies use (and whose keys, client and timeout leases share).
    public let exact: RedisScriptRateLimitStore
    /// How long a slice may be spent after it was taken.
    public let leaseDuration: Duration
    /// The most requests one slice holds (also capped by a quarter of the policy's burst).
    public let maximumSlice: Int
    private let clock: @Sendable () -> UInt64
    private let state = Mutex(State())
    private let outstandingGauge: Gauge
    private let fetches: Counter

    private struct State {
        var leases: [String: Entry] = [:]
    }

    private struct Entry {
        var lease = RateLimitLease()
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }

    /// Creates the store.
    /// - Parameters:
    ///   - exact: the script store for exact policies; its client, key prefix and timeout are used.
    ///   - leaseDuration: how long a slice may be spent. Defaults to 1 s.
    ///   - maximumSlice: the most requests in one slice (also capped by a quarter of the policy's burst).
    ///     Defaults to 10,000.
    ///   - clock: monotonic nanoseconds (tests drive it).
    ///   - metricsFactory: where the lease metrics go; defaults to the bootstrapped `MetricsSystem`.
    public init(
        exact: RedisScriptRateLimitStore,
        leaseDuration: Duration = .seconds(1),
        maximumSlice: Int = 10_000,
        clock: @escaping @Sendable () -> UInt64 = { NIODeadline.now().uptimeNanoseconds },
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.exact = exact
        self.leaseDuration = leaseDuration
        self.maximumSlice = max(1, maximumSlice)
        self.clock = clock
        let factory = metricsFactory ?? MetricsSystem.factory
        outstandingGauge = Gauge(label: "bulwark_ratelimit_lease_outstanding", factory: factory)
        fetches = Counter(label: "bulwark_ratelimit_lease_fetches_total", factory: factory)
    }

    /// Requests leased by this instance and not spent yet (across keys).
    public var outstanding: Int {
        let now = clock()
        return state.withLock { $0.leases.values.reduce(0) { $0 + $1.lease.unspent(now: now) } }
    }

    public func acquire(key: String, policy: RateLimitPolicy, cost: Int) async throws -> RateLimitDecision {
        guard policy.sharing == .leased, policy.algorithm == .gcra else {
            return try await exact.acquire(key: key, policy: policy, cost: cost)
        }
        let redisKey = exact.redisKey(key, policy: policy)
        let limits = limits(for: policy)
        while true {
            let decision = decide(redisKey, cost: cost, limits: limits)
            switch decision {
            case .allow, .deny:
                return Self.rateLimitDecision(decision, policy: policy)!
            case .wait:
                guard await waitForFetch(redisKey) else {
                    throw RedisError.unavailable("the lease this request waited for could not be taken")
                }
            case .fetch(let size):
                return try await fetch(redisKey, size: size, cost: cost, policy: policy, limits: limits)
            }
        }
    }

    /// Decides a `leased` policy from the lease this instance holds, without waiting; nil for an exact
    /// policy, or when a lease must be fetched first.
    public func decideLocally(key: String, policy: RateLimitPolicy, cost: Int) -> RateLimitDecision? {
        guard policy.sharing == .leased, policy.algorithm == .gcra else { return nil }
        let redisKey = exact.redisKey(key, policy: policy)
        let limits = limits(for: policy)
        let now = clock()
        let (decision, refill) = state.withLock { state -> (RateLimitLease.Decision?, Int?) in
            guard let decision = state.leases[redisKey]?.lease.decideLocally(cost: cost, now: now) else { return (nil, nil) }
            guard case .allow = decision else { return (decision, nil) }
            return (decision, state.leases[redisKey]?.lease.refillSize(now: now, limits: limits))
        }
        if let refill { refillAhead(redisKey, size: refill, policy: policy, limits: limits) }
        return decision.flatMap { Self.rateLimitDecision($0, policy: policy) }
    }

    public func reset(key: String, policy: RateLimitPolicy) async throws {
        let redisKey = exact.redisKey(key, policy: policy)
        state.withLock { state in
            guard let entry = state.leases[redisKey] else { return }
            if entry.lease.fetching { state.leases[redisKey]?.lease.forget() } else { state.leases[redisKey] = nil }
        }
        try await exact.reset(key: key, policy: policy)
    }

    private func limits(for policy: RateLimitPolicy) -> RateLimitLease.Limits {
        RateLimitLease.Limits(duration: UInt64(clamping: leaseDuration.nanoseconds), maximumSlice: min(maximumSlice, max(1, policy.burst / 4)))
    }

    /// What the lease script granted.
    private struct Grant {
        var granted: Int
        /// What the shared allowance had left after the grant.
        var remaining: Int
        /// Nanoseconds until a refused request may be retried.
        var retryAfter: UInt64
    }

    /// Runs the lease script for `size` requests.
    private func lease(_ redisKey: String, size: Int, policy: RateLimitPolicy) async throws -> Grant {
        fetches.increment()
        let values = try await exact.run(RateLimitScripts.gcraLease, redisKey: redisKey, policy: policy, count: size)
        return Grant(granted: Int(values[0]), remaining: Int(values[1]), retryAfter: UInt64(max(values[3], 0)) * 1_000)
    }

    /// Takes the next slice while the current one still serves (one refill at a time per key).
    private func refillAhead(_ redisKey: String, size: Int, policy: RateLimitPolicy, limits: RateLimitLease.Limits) {
        Task {
            do {
                let grant = try await self.lease(redisKey, size: size, policy: policy)
                settle(redisKey, succeeded: true) { lease, now in
                    lease.refilled(grant.granted, remaining: grant.remaining, retryAfter: grant.retryAfter, now: now, limits: limits)
                }
            } catch {
                settle(redisKey, succeeded: false) { lease, _ in lease.fetchFailed() }
            }
        }
    }

    private func decide(_ redisKey: String, cost: Int, limits: RateLimitLease.Limits) -> RateLimitLease.Decision {
        let now = clock()
        return state.withLock { state in
            let decision = state.leases[redisKey, default: Entry()].lease.request(cost: cost, now: now, limits: limits)
            if state.leases.count > 4_096 { Self.sweep(&state, now: now) }
            return decision
        }
    }

    private func fetch(
        _ redisKey: String, size: Int, cost: Int, policy: RateLimitPolicy, limits: RateLimitLease.Limits
    ) async throws -> RateLimitDecision {
        let grant: Grant
        do {
            grant = try await lease(redisKey, size: size, policy: policy)
        } catch {
            settle(redisKey, succeeded: false) { lease, _ in lease.fetchFailed() }
            throw error
        }
        let decision = settle(redisKey, succeeded: true) { lease, now in
            lease.granted(grant.granted, remaining: grant.remaining, retryAfter: grant.retryAfter, cost: cost, now: now, limits: limits)
        }
        guard let result = Self.rateLimitDecision(decision, policy: policy) else {
            throw RedisError.protocolError("a lease grant decided nothing")
        }
        return result
    }

    /// Applies the outcome of a fetch to the key's lease at `now`, records what this instance holds
    /// unspent, and wakes the requests waiting for the fetch.
    @discardableResult
    private func settle<Outcome>(_ redisKey: String, succeeded: Bool, _ change: (inout RateLimitLease, UInt64) -> Outcome) -> Outcome {
        let now = clock()
        let (result, waiters, outstanding) = state.withLock { state in
            let result = change(&state.leases[redisKey, default: Entry()].lease, now)
            let waiters = state.leases[redisKey]?.waiters ?? []
            state.leases[redisKey]?.waiters = []
            return (result, waiters, state.leases.values.reduce(0) { $0 + $1.lease.unspent(now: now) })
        }
        outstandingGauge.record(outstanding)
        for waiter in waiters { waiter.resume(returning: succeeded) }
        return result
    }

    /// Suspends until the fetch in flight for `redisKey` ends; false when it failed.
    private func waitForFetch(_ redisKey: String) async -> Bool {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                guard state.leases[redisKey]?.lease.fetching == true else { return true }
                state.leases[redisKey]?.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume(returning: true) }
        }
    }

    /// Drops the entries nothing refers to any more.
    private static func sweep(_ state: inout State, now: UInt64) {
        state.leases = state.leases.filter { !($0.value.lease.isIdle(now: now) && $0.value.waiters.isEmpty) }
    }

    /// The store's answer for a lease's decision; nil for `fetch` and `wait`, which decide nothing yet.
    private static func rateLimitDecision(_ decision: RateLimitLease.Decision, policy: RateLimitPolicy) -> RateLimitDecision? {
        switch decision {
        case .allow(let remaining):
            return RateLimitDecision(
                allowed: true, limit: policy.limit, remaining: remaining,
                resetAfter: policy.emissionInterval * max(policy.burst - remaining, 0), retryAfter: nil
            )
        case .deny(let retryAfter, let remaining):
            return RateLimitDecision(
                allowed: false, limit: policy.limit, remaining: remaining,
                resetAfter: policy.emissionInterval * policy.burst, retryAfter: .nanoseconds(Int64(clamping: retryAfter))
            )
        case .fetch, .wait:
            return nil
        }
    }
}
