import PropertyBased
import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct RateLimitAlgorithmTests {
    static let second: Int64 = 1_000_000_000

    /// Runs requests at the given nanosecond times through one key and returns the decisions.
    static func decide(_ policy: RateLimitPolicy, at times: [Int64], cost: Int = 1) -> [RateLimitDecision] {
        var tat: Int64?
        var bucket: TokenBucket.State?
        return times.map { now in
            switch policy.algorithm {
            case .gcra:
                let result = GCRA.decide(tat: tat, policy: policy, cost: cost, now: now)
                tat = result.tat
                return result.decision
            case .tokenBucket:
                let result = TokenBucket.decide(state: bucket, policy: policy, cost: cost, now: now)
                bucket = result.state
                return result.decision
            }
        }
    }

    @Test(arguments: RateLimitAlgorithm.allCases)
    func admitsTheBurstThenDeniesWithRetryAfter(algorithm: RateLimitAlgorithm) {
        let policy = RateLimitPolicy(name: "auth", limit: 5, per: .seconds(900), algorithm: algorithm)
        let decisions = Self.decide(policy, at: Array(repeating: 0, count: 6))
        #expect(decisions.map(\.allowed) == [true, true, true, true, true, false])
        #expect(decisions.map(\.remaining) == [4, 3, 2, 1, 0, 0])
        #expect(decisions.allSatisfy { $0.limit == 5 })
        #expect(decisions[5].retryAfter == .seconds(180), "one request comes back every 900 s / 5 = 180 s")
        #expect(decisions[4].resetAfter == .seconds(900), "the allowance is whole again after a full window")
        #expect(decisions[0].retryAfter == nil)
    }

    @Test(arguments: RateLimitAlgorithm.allCases)
    func allowanceComesBackAtTheRate(algorithm: RateLimitAlgorithm) {
        let policy = RateLimitPolicy(name: "p", limit: 10, per: .seconds(10), algorithm: algorithm)   // 1 per second
        let s = Self.second
        let decisions = Self.decide(policy, at: Array(repeating: 0, count: 10) + [0, s - 1, s, s, 5 * s])
        #expect(decisions[10].allowed == false)
        #expect(decisions[11].allowed == false, "not yet: 1 ns early")
        #expect(decisions[12].allowed == true, "now")
        #expect(decisions[13].allowed == false)
        #expect(decisions[14].allowed == true)
        #expect(decisions[14].remaining == 3, "4 s refilled 4, this request took 1")
    }

    @Test(arguments: RateLimitAlgorithm.allCases)
    func aSmallerBurstSpreadsRequests(algorithm: RateLimitAlgorithm) {
        let policy = RateLimitPolicy(name: "p", limit: 60, per: .seconds(60), burst: 2, algorithm: algorithm)
        let decisions = Self.decide(policy, at: [0, 0, 0])
        #expect(decisions.map(\.allowed) == [true, true, false])
        #expect(decisions[2].retryAfter == .seconds(1))
    }

    @Test(arguments: RateLimitAlgorithm.allCases)
    func aCostLargerThanTheBurstNeverPasses(algorithm: RateLimitAlgorithm) {
        let policy = RateLimitPolicy(name: "p", limit: 5, per: .seconds(5), algorithm: algorithm)
        let decision = Self.decide(policy, at: [0], cost: 6)[0]
        #expect(!decision.allowed)
        #expect(decision.retryAfter == nil)
    }

    @Test(arguments: RateLimitAlgorithm.allCases)
    func neverAdmitsMoreThanLimitPlusBurstInAnyWindow(algorithm: RateLimitAlgorithm) async {
        await propertyCheck(
            count: 200,
            input: Gen.int(in: 1...20), Gen.int(in: 1...20), Gen.int(in: 0...5_000).array(of: 1...400)
        ) { limit, burst, gaps in
            let window = Int64(10) * Self.second
            let policy = RateLimitPolicy(name: "p", limit: limit, per: .seconds(10), burst: burst, algorithm: algorithm)
            var now: Int64 = 0
            let times = gaps.map { gap -> Int64 in now += Int64(gap) * 1_000_000; return now }   // gaps of 0–5 s
            let admitted = zip(times, Self.decide(policy, at: times)).filter { $0.1.allowed }.map(\.0)
            var start = 0
            for end in admitted.indices {
                while admitted[end] - admitted[start] >= window { start += 1 }
                #expect(end - start + 1 <= limit + burst, "\(end - start + 1) admitted within one window")
            }
        }
    }

    @Test func gcraAndTokenBucketAgree() async {
        await propertyCheck(count: 200, input: Gen.int(in: 1...50), Gen.int(in: 0...2_000).array(of: 1...200)) { limit, gaps in
            var now: Int64 = 0
            let times = gaps.map { gap -> Int64 in now += Int64(gap) * 1_000_000; return now }
            let gcra = Self.decide(RateLimitPolicy(name: "p", limit: limit, per: .seconds(60), algorithm: .gcra), at: times)
            let bucket = Self.decide(RateLimitPolicy(name: "p", limit: limit, per: .seconds(60), algorithm: .tokenBucket), at: times)
            #expect(gcra.map(\.allowed) == bucket.map(\.allowed))
        }
    }
}
