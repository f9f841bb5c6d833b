import Clocks
import MetricsTestKit
import PropertyBased
import Testing

@testable import Resilience

/// The store's bounds: per-policy tables, eviction only of whole entries, one strict overflow entry.
@Suite(.timeLimit(.minutes(1))) struct InMemoryRateLimitStoreBoundsTests {
    static let hour = Duration.seconds(3_600)

    static func overflowCount(_ metrics: TestMetrics, policy: String) throws -> Int64 {
        try metrics.expectCounter("bulwark_rate_limit_overflow_total", [("policy", policy)]).totalValue
    }

    @Test func oneFullPolicyTableLeavesOtherPoliciesAlone() {
        let store = InMemoryRateLimitStore(maximumKeysPerPolicy: 8, clock: ManualClock(), metricsFactory: TestMetrics())
        let auth = RateLimitPolicy(name: "auth", limit: 1, per: Self.hour)
        let api = RateLimitPolicy(name: "api", limit: 100, per: Self.hour)
        #expect(store.decide(key: "ip:victim", policy: auth).allowed)
        #expect(!store.decide(key: "ip:victim", policy: auth).allowed)
        for key in 0..<1_000 { _ = store.decide(key: "h:\(key)", policy: api) }
        #expect(store.count(policy: "api") == 8)
        #expect(store.count(policy: "auth") == 1)
        #expect(!store.decide(key: "ip:victim", policy: auth).allowed, "the victim is still limited")
    }

    @Test(arguments: RateLimitAlgorithm.allCases)
    func aFloodOfNewKeysCannotEvictALiveEntry(algorithm: RateLimitAlgorithm) async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let store = InMemoryRateLimitStore(maximumKeysPerPolicy: 8, clock: clock, metricsFactory: metrics)
        let policy = RateLimitPolicy(name: "auth", limit: 3, per: Self.hour, algorithm: algorithm)
        for _ in 0..<3 { #expect(store.decide(key: "exhausted", policy: policy).allowed) }
        #expect(store.decide(key: "partial", policy: policy).remaining == 2)
        for key in 0..<10_000 {
            _ = store.decide(key: "flood-\(key)", policy: policy)
            if key % 1_000 == 0 { await clock.advance(by: .seconds(1)) }   // sweeps run; nothing is whole yet
        }
        #expect(store.count(policy: "auth") == 8)
        #expect(try Self.overflowCount(metrics, policy: "auth") == 10_000 - 6, "all but the first six flood keys overflowed")
        for key in 0..<6 { #expect(store.decide(key: "flood-\(key)", policy: policy).remaining == 1, "flood-\(key) kept its entry") }
        #expect(!store.decide(key: "exhausted", policy: policy).allowed, "a client at its limit stays limited")
        let partial = store.decide(key: "partial", policy: policy)
        #expect(partial.allowed && partial.remaining == 1, "a partly used allowance keeps its state")
    }

    @Test(arguments: RateLimitAlgorithm.allCases)
    func overflowedKeysShareOneStrictEntry(algorithm: RateLimitAlgorithm) throws {
        let metrics = TestMetrics()
        let store = InMemoryRateLimitStore(maximumKeysPerPolicy: 2, clock: ManualClock(), metricsFactory: metrics)
        let policy = RateLimitPolicy(name: "shared-\(algorithm)", limit: 3, per: Self.hour, algorithm: algorithm)
        #expect(store.decide(key: "a", policy: policy).allowed)
        #expect(store.decide(key: "b", policy: policy).allowed)
        let overflowed = (0..<50).map { store.decide(key: "new-\($0)", policy: policy) }
        #expect(overflowed.filter(\.allowed).count == 3, "all overflowed keys together get one key's allowance")
        #expect(overflowed.prefix(3).allSatisfy { $0.allowed })
        #expect(overflowed.last?.retryAfter == .seconds(1_200))
        #expect(try Self.overflowCount(metrics, policy: policy.name) == 50)
        #expect(store.decide(key: "a", policy: policy).remaining == 1, "keys with their own entry are unaffected")
        #expect(try Self.overflowCount(metrics, policy: policy.name) == 50)
    }

    @Test func entriesWholeAgainAreTheOnlyOnesEvicted() async throws {
        let clock = ManualClock()
        let metrics = TestMetrics()
        let store = InMemoryRateLimitStore(maximumKeysPerPolicy: 4, sweepInterval: Self.hour, clock: clock, metricsFactory: metrics)
        let policy = RateLimitPolicy(name: "p", limit: 1, per: .seconds(10))
        _ = store.decide(key: "old-0", policy: policy)
        _ = store.decide(key: "old-1", policy: policy)
        await clock.advance(by: .seconds(5))
        _ = store.decide(key: "live-0", policy: policy)
        _ = store.decide(key: "live-1", policy: policy)
        #expect(store.count(policy: "p") == 4)
        await clock.advance(by: .seconds(5))   // the old keys are whole again, at exactly 10 s
        #expect(store.decide(key: "new-0", policy: policy).allowed)
        #expect(store.count(policy: "p") == 3, "both whole entries were swept to make room; no live one")
        #expect(try Self.overflowCount(metrics, policy: "p") == 0)
        #expect(!store.decide(key: "live-0", policy: policy).allowed)
        #expect(!store.decide(key: "live-1", policy: policy).allowed)
        #expect(store.decide(key: "new-1", policy: policy).allowed)
        #expect(store.decide(key: "new-2", policy: policy).allowed, "the table is full of live entries: overflow")
        #expect(!store.decide(key: "new-3", policy: policy).allowed, "the overflow entry is spent")
        #expect(try Self.overflowCount(metrics, policy: "p") == 2)
        await clock.advance(by: .seconds(5))   // live-0 and live-1 are whole again
        #expect(store.decide(key: "new-3", policy: policy).allowed, "room again: its own entry")
        #expect(store.decide(key: "new-4", policy: policy).allowed)
        #expect(try Self.overflowCount(metrics, policy: "p") == 2)
    }

    @Test func resetForgetsOnlyTheKeysOwnEntry() async throws {
        let store = InMemoryRateLimitStore(maximumKeysPerPolicy: 1, clock: ManualClock(), metricsFactory: TestMetrics())
        let policy = RateLimitPolicy(name: "p", limit: 1, per: Self.hour)
        _ = store.decide(key: "a", policy: policy)
        _ = store.decide(key: "b", policy: policy)   // overflow, spent
        try await store.reset(key: "b", policy: policy)
        #expect(!store.decide(key: "c", policy: policy).allowed, "the shared entry is not given back")
        try await store.reset(key: "a", policy: policy)
        #expect(store.decide(key: "a", policy: policy).allowed)
    }

    @Test func withTimeStoppedNoKeyPassesItsBurstAndOverflowAddsOneAllowance() async {
        await propertyCheck(
            count: 200,
            input: Gen.int(in: 1...6), Gen.int(in: 1...5), Gen.bool, Gen.int(in: 0...19).array(of: 1...300)
        ) { tableSize, burst, tokenBucket, keys in
            let store = InMemoryRateLimitStore(maximumKeysPerPolicy: tableSize, clock: ManualClock(), metricsFactory: TestMetrics())
            let policy = RateLimitPolicy(name: "p", limit: burst, per: Self.hour, algorithm: tokenBucket ? .tokenBucket : .gcra)
            var admitted: [Int: Int] = [:]
            for key in keys where store.decide(key: "k\(key)", policy: policy).allowed { admitted[key, default: 0] += 1 }
            #expect(admitted.values.allSatisfy { $0 <= burst })
            #expect(admitted.values.reduce(0, +) <= burst * (tableSize + 1))
            #expect(store.count <= tableSize)
        }
    }

    /// The bounded table decides exactly as unbounded per-key limiters plus one shared overflow limiter
    /// would, routing each request to the key or to the overflow as the table says; so it never admits
    /// more than the policy allows per key or per overflow, and overflows only when full of live keys.
    @Test func decidesLikeUnboundedPerKeyLimitersPlusOneOverflow() async {
        await propertyCheck(
            count: 300,
            input: Gen.int(in: 1...6), Gen.int(in: 1...5), Gen.int(in: 1...5), Gen.bool, Gen.int(in: 0...35_999).array(of: 1...300)
        ) { tableSize, limit, burst, tokenBucket, script in
            let policy = RateLimitPolicy(name: "p", limit: limit, per: .seconds(10), burst: burst, algorithm: tokenBucket ? .tokenBucket : .gcra)
            var table = InMemoryRateLimitStore.PolicyTable(maximumKeys: tableSize, sweepInterval: 7_000_000_000)
            var reference = ReferenceLimiters(policy: policy)
            var now: Int64 = 0
            for step in script {
                let key = "k\(step % 12)"
                now += Int64(step / 12) * 1_000_000   // 0–3 s apart
                let full = table.entries.count == tableSize && table.entries[key] == nil
                let (decision, overflowed) = table.decide(key, policy: policy, cost: 1, now: now)
                #expect(!overflowed || full, "overflow only when the table is full and the key has no entry")
                #expect(decision == reference.decide(overflowed ? nil : key, now: now))
                #expect(table.entries.count <= tableSize)
            }
        }
    }
}

/// Unbounded per-key limiters and one overflow limiter (`nil` key), built on the algorithms directly.
struct ReferenceLimiters {
    let policy: RateLimitPolicy
    var tats: [String?: Int64] = [:]
    var buckets: [String?: TokenBucket.State] = [:]

    init(policy: RateLimitPolicy) { self.policy = policy }

    mutating func decide(_ key: String?, now: Int64) -> RateLimitDecision {
        switch policy.algorithm {
        case .gcra:
            let result = GCRA.decide(tat: tats[key], policy: policy, cost: 1, now: now)
            tats[key] = result.tat
            return result.decision
        case .tokenBucket:
            let result = TokenBucket.decide(state: buckets[key], policy: policy, cost: 1, now: now)
            buckets[key] = result.state
            return result.decision
        }
    }
}
