import Metrics
import Synchronization

/// A ``RateLimitStore`` in this process's memory, bounded in size, that no client can flush.
///
/// Each policy has its own table of at most ``maximumKeysPerPolicy`` keys:
/// - Keys whose allowance has refilled completely are equivalent to absent and are swept away (at most
///   once per ``sweepInterval``, and when the table is full). These are the only keys ever removed: a
///   key that has used part of its allowance keeps its state however many other keys arrive.
/// - When a policy's table is full of such live keys, a new key is decided against one shared
///   *overflow* entry for that policy, with the policy's own allowance: all overflowed keys together get
///   what one key would. Each such decision counts in `bulwark_rate_limit_overflow_total{policy}`.
///   Once room is free again, a new key gets its own entry with a whole allowance.
///
/// Decisions are synchronous under one lock; ``decide(key:policy:cost:)`` skips the `async` hop. In
/// steady state a decision costs one hash lookup in its policy's table and allocates nothing.
public final class InMemoryRateLimitStore: RateLimitStore {
    /// Default values, in one place, for docs and tests.
    public enum Defaults {
        /// The default ``maximumKeysPerPolicy``.
        public static let maximumKeysPerPolicy = 100_000
        /// The default ``sweepInterval``.
        public static let sweepInterval = Duration.seconds(10)
    }

    /// The most keys kept at once for each policy.
    public let maximumKeysPerPolicy: Int
    /// How often keys whose allowance is whole again are swept away.
    public let sweepInterval: Duration
    private let clock: PolicyClock
    private let metricsFactory: any MetricsFactory
    private let tables = Mutex(PolicyTables())

    /// Creates an empty store.
    /// - Parameters:
    ///   - maximumKeysPerPolicy: the most keys kept at once for each policy (≥ 1). Defaults to 100,000.
    ///   - sweepInterval: how often keys whose allowance is whole are swept. Defaults to 10 s.
    ///   - clock: the time source. Defaults to `ContinuousClock`.
    ///   - metricsFactory: where `bulwark_rate_limit_overflow_total` goes. Defaults to
    ///     `MetricsSystem.factory`.
    public init(
        maximumKeysPerPolicy: Int = Defaults.maximumKeysPerPolicy,
        sweepInterval: Duration = Defaults.sweepInterval,
        clock: any Clock<Duration> = ContinuousClock(),
        metricsFactory: (any MetricsFactory)? = nil
    ) {
        self.maximumKeysPerPolicy = max(1, maximumKeysPerPolicy)
        self.sweepInterval = sweepInterval
        self.clock = PolicyClock(clock)
        self.metricsFactory = metricsFactory ?? MetricsSystem.factory
    }

    public func acquire(key: String, policy: RateLimitPolicy, cost: Int) async throws -> RateLimitDecision {
        decide(key: key, policy: policy, cost: cost)
    }

    /// Forgets `key`'s own state under `policy`. A key decided against the overflow entry has no state
    /// of its own; the shared entry is left alone.
    public func reset(key: String, policy: RateLimitPolicy) async throws {
        tables.withLock { tables in
            guard let index = tables.index(of: policy.name) else { return }
            tables.tables[index].table.remove(key)
        }
    }

    /// The synchronous form of ``acquire(key:policy:cost:)``.
    public func decide(key: String, policy: RateLimitPolicy, cost: Int = 1) -> RateLimitDecision {
        let now = clock.nowNanoseconds()
        let (decision, overflowCounter) = tables.withLock { tables -> (RateLimitDecision, Counter?) in
            let index = tables.index(of: policy.name) ?? tables.append(named: policy.name, PolicyTableSlot(
                name: policy.name,
                table: PolicyTable(maximumKeys: maximumKeysPerPolicy, sweepInterval: sweepInterval.nanoseconds),
                overflowCounter: Counter(label: "bulwark_rate_limit_overflow_total", dimensions: [("policy", policy.name)], factory: metricsFactory)
            ))
            let result = tables.tables[index].table.decide(key, policy: policy, cost: cost, now: now)
            return (result.decision, result.overflowed ? tables.tables[index].overflowCounter : nil)
        }
        overflowCounter?.increment()
        return decision
    }

    /// Keys currently held, over all policies (overflow entries not counted).
    public var count: Int { tables.withLock { $0.tables.reduce(0) { $0 + $1.table.entries.count } } }

    /// Keys currently held for the policy named `policy`.
    public func count(policy: String) -> Int {
        tables.withLock { tables in tables.index(of: policy).map { tables.tables[$0].table.entries.count } ?? 0 }
    }

    struct PolicyTableSlot: Sendable {
        let name: String
        var table: PolicyTable
        let overflowCounter: Counter
    }

    /// The tables by policy name. Policies are few (they come from code or configuration, never from
    /// clients), so up to eight are found by comparing names, which is cheaper than hashing one.
    struct PolicyTables: Sendable {
        var tables: [PolicyTableSlot] = []
        var byName: [String: Int] = [:]

        func index(of name: String) -> Int? {
            if tables.count <= 8 {
                for index in tables.indices where tables[index].name == name { return index }
                return nil
            }
            return byName[name]
        }

        mutating func append(named name: String, _ slot: PolicyTableSlot) -> Int {
            tables.append(slot)
            byName[name] = tables.count - 1
            return tables.count - 1
        }
    }
}
