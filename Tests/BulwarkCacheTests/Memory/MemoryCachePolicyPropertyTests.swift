import PropertyBased
import Testing

@testable import BulwarkCache

@Suite(.timeLimit(.minutes(1))) struct MemoryCachePolicyPropertyTests {
    /// What was last set for a key, as far as the test knows.
    struct Expected {
        let value: Int
        let expiresAt: Duration?
    }

    static func holds(_ policy: WTinyLFU<Int>, _ key: String) -> Bool {
        policy.core.slot(of: key, hash: KeyHash.of(key, seed: policy.core.hashSeed)) != nil
    }

    /// Checks the budgets and the byte sum against the entries actually held.
    static func checkInvariants(_ policy: WTinyLFU<Int>, maximumEntries: Int, maximumBytes: Int) {
        #expect(policy.count <= maximumEntries)
        #expect(policy.bytes <= maximumBytes)
        let held = policy.core.slots.indices.filter { policy.core.slots[$0].segment != .free }
        #expect(held.count == policy.count)
        let heldCosts = held.map { policy.core.slots[$0].cost }
        #expect(policy.bytes == heldCosts.reduce(0, +))
        #expect(policy.core.window.count + policy.core.probation.count + policy.core.protected.count == policy.count)
        #expect(policy.core.window.bytes + policy.core.probation.bytes + policy.core.protected.bytes == policy.bytes)
        #expect(policy.core.expiries.count <= policy.count)
        // Values are kept exactly for the held slots: evicted values are released.
        #expect(policy.values.count { $0 != nil } == policy.count)
        #expect(held.allSatisfy { policy.values[$0] != nil })
    }

    @Test("property: any get/set/remove sequence keeps the budgets and returns only the live, last-set value")
    func randomOperationsKeepTheInvariants() async {
        await propertyCheck(
            count: 200, input: Gen.int(in: 0...9_999).array(of: 1...300), Gen.int(in: 1...12), Gen.int(in: 1...200)
        ) { script, maximumEntries, maximumBytes in
            var policy = WTinyLFU<Int>(maximumEntries: maximumEntries, maximumBytes: maximumBytes, seed: 7)
            var expected: [String: Expected] = [:]
            var now = Duration.zero
            for (step, number) in script.enumerated() {
                let key = "k\(number % 17)"
                switch number % 10 {
                case 0..<4:
                    if let value = policy.get(key, now: now) {
                        let last = expected[key]
                        #expect(last?.value == value, "\(key) returned \(value), last set \(String(describing: last))")
                        if let deadline = last?.expiresAt { #expect(deadline > now, "\(key) returned after expiry") }
                    }
                case 4..<8:
                    let cost = (number / 10) % (maximumBytes + 10)
                    let expiresAt: Duration? = number % 3 == 0 ? nil : now + .milliseconds((number / 7) % 500)
                    let outcome = policy.set(key, step, cost: cost, expiresAt: expiresAt, now: now)
                    expected[key] = outcome.stored ? Expected(value: step, expiresAt: expiresAt) : nil
                    #expect(outcome.stored == (Self.holds(policy, key)))
                case 8:
                    _ = policy.remove(key)
                    expected[key] = nil
                    #expect(!Self.holds(policy, key))
                default:
                    now += .milliseconds(number % 97)
                }
                Self.checkInvariants(policy, maximumEntries: maximumEntries, maximumBytes: maximumBytes)
            }
            let purged = policy.removeAll { $0.hasPrefix("k1") }
            #expect(policy.core.slots.allSatisfy { $0.segment == .free || !$0.key.hasPrefix("k1") })
            #expect(purged >= 0)
            Self.checkInvariants(policy, maximumEntries: maximumEntries, maximumBytes: maximumBytes)
        }
    }

    @Test("property: a sharded cache stays within its total budgets")
    func shardedCacheStaysWithinBudgets() async throws {
        await propertyCheck(count: 100, input: Gen.int(in: 0...9_999).array(of: 1...400)) { script in
            guard let cache = try? MemoryCache<[UInt8]>(
                configuration: MemoryCacheConfiguration(maximumEntries: 40, maximumBytes: 400, shards: 4),
                random: .seeded(3),
                cost: { $0.count }
            ) else {
                Issue.record("valid configuration refused")
                return
            }
            var now = Duration.zero
            for number in script {
                let key = "key-\(number % 101)"
                switch number % 4 {
                case 0: _ = cache.get(key, now: now)
                case 1, 2:
                    let expiresAt: Duration? = number % 5 == 0 ? nil : now + .milliseconds(number % 300)
                    cache.set(key, Array(repeating: 0, count: number % 60), expiresAt: expiresAt, now: now)
                default: now += .milliseconds(number % 50)
                }
                let statistics = cache.statistics
                #expect(statistics.entries <= 40)
                #expect(statistics.bytes <= 400)
            }
        }
    }
}
