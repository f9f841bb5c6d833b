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
            case .allow(let remaining):
                return Self.allowed(policy, remaining: remaining)
            case .deny(let retryAfter, let remaining):
                return Self.denied(policy, remaining: remaining, retryAfter: retryAfter)
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
        switch decision {
        case .allow(let remaining): return Self.allowed(policy, remaining: remaining)
        case .deny(let retryAfter, let remaining): return Self.denied(policy, remaining: remaining, retryAfter: retryAfter)
        case .fetch, .wait, nil: return nil
        }
    }

    public func reset(key: String, policy: RateLimitPolicy) async throws {
        let redisKey = exact.redisKey(key, policy: policy)
        state.withLock { state in
            if let entry = state.leases[redisKey], !entry.lease.fetching { state.leases[redisKey] = nil }
        }
        try await exact.reset(key: key, policy: policy)
    }

    private func limits(for policy: RateLimitPolicy) -> RateLimitLease.Limits {
        RateLimitLease.Limits(duration: UInt64(clamping: leaseDuration.nanoseconds), maximumSlice: min(maximumSlice, max(1, policy.burst / 4)))
    }

    /// Takes the next slice while the current one still serves (one refill at a time per key).
    private func refillAhead(_ redisKey: String, size: Int, policy: RateLimitPolicy, limits: RateLimitLease.Limits) {
        Task {
            fetches.increment()
            do {
                let values = try await self.leaseScript(redisKey, size: size, policy: policy)
                let now = clock()
                settle(redisKey, succeeded: true) { lease in
                    lease.refilled(Int(values[0]), remaining: Int(values[1]), retryAfter: UInt64(max(values[3], 0)) * 1_000, now: now, limits: limits)
                }
            } catch {
                settle(redisKey, succeeded: false) { $0.fetchFailed() }
            }
        }
    }

    /// Runs the lease script for `size` requests: `{granted, remaining, reset µs, retry µs}`.
    private func leaseScript(_ redisKey: String, size: Int, policy: RateLimitPolicy) async throws -> [Int64] {
        let reply = try await exact.client.evaluate(
            RateLimitScripts.gcraLease,
            keys: [RedisArgument(redisKey)],
            arguments: [RedisArgument(max(1, policy.emissionIntervalNanoseconds / 1_000)), RedisArgument(policy.burst), RedisArgument(size)],
            timeout: exact.timeout
        )
        guard let values = reply.array?.compactMap(\.int), values.count == 4 else {
            throw RedisError.protocolError("the lease script answered \(reply), not four integers")
        }
        return values
    }

    private func decide(_ redisKey: String, cost: Int, limits: RateLimitLease.Limits) -> RateLimitLease.Decision {
        let now = clock()
        return state.withLock { state in
            var entry = state.leases[redisKey] ?? Entry()
            let decision = entry.lease.request(cost: cost, now: now, limits: limits)
            state.leases[redisKey] = entry
            if state.leases.count > 4_096 { Self.sweep(&state, now: now) }
            return decision
        }
    }

    private func fetch(
        _ redisKey: String, size: Int, cost: Int, policy: RateLimitPolicy, limits: RateLimitLease.Limits
    ) async throws -> RateLimitDecision {
        fetches.increment()
        let values: [Int64]
        do {
            values = try await leaseScript(redisKey, size: size, policy: policy)
        } catch {
            settle(redisKey, succeeded: false) { $0.fetchFailed() }
            throw error
        }
        let now = clock()
        var decision = RateLimitLease.Decision.wait
        settle(redisKey, succeeded: true) { lease in
            decision = lease.granted(
                Int(values[0]), remaining: Int(values[1]), retryAfter: UInt64(max(values[3], 0)) * 1_000, cost: cost, now: now, limits: limits
            )
        }
        outstandingGauge.record(outstanding)
        switch decision {
        case .allow(let remaining): return Self.allowed(policy, remaining: remaining)
        case .deny(let retryAfter, let remaining): return Self.denied(policy, remaining: remaining, retryAfter: retryAfter)
        case .fetch, .wait: throw RedisError.protocolError("a lease grant decided nothing")
        }
    }

    /// Applies the outcome of a fetch to the key's lease and wakes the requests waiting for it.
    private func settle(_ redisKey: String, succeeded: Bool, _ change: (inout RateLimitLease) -> Void) {
        let waiters = state.withLock { state in
            var entry = state.leases[redisKey] ?? Entry()
            change(&entry.lease)
            let waiters = entry.waiters
            entry.waiters = []
            state.leases[redisKey] = entry
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: succeeded) }
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
        for (key, entry) in state.leases where entry.lease.isIdle(now: now) && entry.waiters.isEmpty {
            state.leases[key] = nil
        }
    }

    private static func allowed(_ policy: RateLimitPolicy, remaining: Int) -> RateLimitDecision {
        RateLimitDecision(allowed: true, limit: policy.limit, remaining: remaining, resetAfter: policy.emissionInterval * max(policy.burst - remaining, 0), retryAfter: nil)
    }

    private static func denied(_ policy: RateLimitPolicy, remaining: Int, retryAfter: UInt64) -> RateLimitDecision {
        let wait = Duration.nanoseconds(Int64(clamping: retryAfter))
        return RateLimitDecision(allowed: false, limit: policy.limit, remaining: remaining, resetAfter: policy.emissionInterval * policy.burst, retryAfter: wait)
    }
}
