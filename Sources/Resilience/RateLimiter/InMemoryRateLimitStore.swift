import Synchronization

/// A ``RateLimitStore`` in this process's memory, bounded in size.
///
/// - Keys whose allowance has refilled completely are equivalent to absent and are swept away
///   (at most once per ``sweepInterval``, and whenever the table is full).
/// - At most ``maximumKeys`` keys are kept; past that the least recently used eighth is evicted
///   (an evicted key starts again with a whole allowance).
///
/// Decisions are synchronous under one lock; ``decide(key:policy:cost:)`` skips the `async` hop.
public final class InMemoryRateLimitStore: RateLimitStore {
    /// Default values, in one place, for docs and tests.
    public enum Defaults {
        /// The default ``maximumKeys``.
        public static let maximumKeys = 100_000
        /// The default ``sweepInterval``.
        public static let sweepInterval = Duration.seconds(10)
    }

    /// The most keys kept at once.
    public let maximumKeys: Int
    /// How often expired keys are swept away.
    public let sweepInterval: Duration
    private let clock: PolicyClock
    private let table: Mutex<Table>

    /// Creates an empty store.
    /// - Parameters:
    ///   - maximumKeys: the most keys kept at once (≥ 1). Defaults to 100,000.
    ///   - sweepInterval: how often expired keys are swept. Defaults to 10 s.
    ///   - clock: the time source. Defaults to `ContinuousClock`.
    public init(
        maximumKeys: Int = Defaults.maximumKeys,
        sweepInterval: Duration = Defaults.sweepInterval,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.maximumKeys = max(1, maximumKeys)
        self.sweepInterval = sweepInterval
        self.clock = PolicyClock(clock)
        self.table = Mutex(Table(maximumKeys: max(1, maximumKeys), sweepInterval: sweepInterval.nanoseconds))
    }

    public func acquire(key: String, policy: RateLimitPolicy, cost: Int) async throws -> RateLimitDecision {
        decide(key: key, policy: policy, cost: cost)
    }

    public func reset(key: String, policy: RateLimitPolicy) async throws {
        _ = table.withLock { $0.entries.removeValue(forKey: Key(policy: policy.name, key: key)) }
    }

    /// The synchronous form of ``acquire(key:policy:cost:)``.
    public func decide(key: String, policy: RateLimitPolicy, cost: Int = 1) -> RateLimitDecision {
        let now = clock.nowNanoseconds()
        return table.withLock { $0.decide(Key(policy: policy.name, key: key), policy: policy, cost: cost, now: now) }
    }

    /// Keys currently held.
    public var count: Int { table.withLock { $0.entries.count } }

    /// A key under one policy. Hashes the key alone (policies sharing a key are rare and are told
    /// apart by equality), which halves the hashing on every decision.
    struct Key: Hashable, Sendable {
        let policy: String
        let key: String

        func hash(into hasher: inout Hasher) { hasher.combine(key) }
    }

    enum LimiterState: Sendable {
        case gcra(tat: Int64)
        case bucket(TokenBucket.State)
    }

    struct Entry: Sendable {
        var state: LimiterState
        /// When the state becomes the same as no state.
        var expiresAt: Int64
        var lastUsed: Int64
    }

    /// The bounded key table; pure apart from its own storage.
    struct Table: Sendable {
        let maximumKeys: Int
        let sweepInterval: Int64
        var entries: [Key: Entry] = [:]
        var nextSweep: Int64 = 0

        mutating func decide(_ key: Key, policy: RateLimitPolicy, cost: Int, now: Int64) -> RateLimitDecision {
            if now >= nextSweep { sweepExpired(now: now) }
            var stored = entries[key]
            if let entry = stored, entry.expiresAt <= now { stored = nil }
            let decision: RateLimitDecision
            let entry: Entry
            switch policy.algorithm {
            case .gcra:
                var tat: Int64?
                if case .gcra(let value) = stored?.state { tat = value }
                let result = GCRA.decide(tat: tat, policy: policy, cost: cost, now: now)
                decision = result.decision
                entry = Entry(state: .gcra(tat: result.tat), expiresAt: GCRA.expiry(of: result.tat), lastUsed: now)
            case .tokenBucket:
                var bucket: TokenBucket.State?
                if case .bucket(let value) = stored?.state { bucket = value }
                let result = TokenBucket.decide(state: bucket, policy: policy, cost: cost, now: now)
                decision = result.decision
                entry = Entry(state: .bucket(result.state), expiresAt: TokenBucket.expiry(of: result.state, policy: policy), lastUsed: now)
            }
            if entry.expiresAt <= now {
                entries.removeValue(forKey: key)
                return decision
            }
            if stored == nil && entries.count >= maximumKeys { makeRoom(now: now) }
            entries[key] = entry
            return decision
        }

        mutating func sweepExpired(now: Int64) {
            nextSweep = now &+ max(sweepInterval, 1)
            entries = entries.filter { $0.value.expiresAt > now }
        }

        /// Drops expired keys, then the least recently used eighth if the table is still full.
        mutating func makeRoom(now: Int64) {
            sweepExpired(now: now)
            guard entries.count >= maximumKeys else { return }
            let evictions = max(1, entries.count / 8)
            let cutoff = entries.values.map(\.lastUsed).sorted()[evictions - 1]
            var evicted = 0
            entries = entries.filter { element in
                guard evicted < evictions, element.value.lastUsed <= cutoff else { return true }
                evicted += 1
                return false
            }
        }
    }
}
