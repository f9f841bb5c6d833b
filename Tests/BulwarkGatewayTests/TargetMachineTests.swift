@testable import BulwarkGateway
import PropertyBased
import Resilience
import Testing

@Suite("Target state machines", .timeLimit(.minutes(1)))
struct TargetMachineTests {
    static let second: Int64 = 1_000_000_000

    @Test("outlier detection ejects after N consecutive failures, for base × n, capped")
    func ejectionGrows() {
        var detector = OutlierDetector(threshold: 3, baseEjection: .seconds(10), maximumEjection: .seconds(25))
        #expect(detector.callFailed(at: 0, mayEject: true) == .none)
        #expect(detector.callFailed(at: 1, mayEject: true) == .none)
        #expect(detector.callFailed(at: 2, mayEject: true) == .ejected(until: 2 + 10 * Self.second))
        let ejected1 = detector.isEjected(at: 2 + 10 * Self.second - 1)
        #expect(ejected1)
        let ejected2 = detector.isEjected(at: 2 + 10 * Self.second)
        #expect(!ejected2)
        let t = 20 * Self.second
        _ = detector.callFailed(at: t, mayEject: true)
        _ = detector.callFailed(at: t, mayEject: true)
        #expect(detector.callFailed(at: t, mayEject: true) == .ejected(until: t + 20 * Self.second))
        let u = 50 * Self.second
        for _ in 0..<2 { _ = detector.callFailed(at: u, mayEject: true) }
        #expect(detector.callFailed(at: u, mayEject: true) == .ejected(until: u + 25 * Self.second))   // capped
    }

    @Test("a success resets both the failure run and the ejection multiplier")
    func successResets() {
        var detector = OutlierDetector(threshold: 2, baseEjection: .seconds(10), maximumEjection: .seconds(100))
        _ = detector.callFailed(at: 0, mayEject: true)
        detector.callSucceeded()
        #expect(detector.callFailed(at: 1, mayEject: true) == .none)
        #expect(detector.callFailed(at: 2, mayEject: true) == .ejected(until: 2 + 10 * Self.second))
        detector.callSucceeded()
        _ = detector.isEjected(at: 20 * Self.second)
        _ = detector.callFailed(at: 20 * Self.second, mayEject: true)
        #expect(detector.callFailed(at: 20 * Self.second, mayEject: true) == .ejected(until: 30 * Self.second))
    }

    @Test("the ejection cap refuses an ejection")
    func capRefuses() {
        var detector = OutlierDetector(threshold: 1, baseEjection: .seconds(10), maximumEjection: .seconds(100))
        #expect(detector.callFailed(at: 0, mayEject: false) == .ejectionRefused)
        let ejected3 = detector.isEjected(at: 0)
        #expect(!ejected3)
    }

    @Test("property: an ejection never outlasts the maximum, and never starts below the threshold")
    func ejectionBounds() async {
        await propertyCheck(input: Gen.bool.array(of: 1...60), Gen.int(in: 1...5)) { outcomes, threshold in
            var detector = OutlierDetector(threshold: threshold, baseEjection: .seconds(3), maximumEjection: .seconds(7))
            var run = 0
            for (step, failed) in outcomes.enumerated() {
                let now = Int64(step) * Self.second
                let ejectedBefore = detector.isEjected(at: now)
                if failed {
                    run = ejectedBefore ? run : run + 1
                    if case .ejected(let until) = detector.callFailed(at: now, mayEject: true) {
                        #expect(run >= threshold)
                        #expect(until - now <= 7 * Self.second)
                        #expect(until - now >= 3 * Self.second)
                        run = 0
                    }
                } else {
                    detector.callSucceeded()
                    run = 0
                }
            }
        }
    }

    @Test("active health flips only after the configured streaks")
    func activeHealth() {
        var health = ActiveHealth(healthyThreshold: 2, unhealthyThreshold: 3)
        #expect(health.isHealthy)
        #expect(health.probeFinished(passed: false) == nil)
        #expect(health.probeFinished(passed: false) == nil)
        #expect(health.probeFinished(passed: true) == nil)   // streak broken
        #expect(health.probeFinished(passed: false) == nil)
        #expect(health.probeFinished(passed: false) == nil)
        #expect(health.probeFinished(passed: false) == false)
        #expect(!health.isHealthy)
        #expect(health.probeFinished(passed: true) == nil)
        #expect(health.probeFinished(passed: true) == true)
        #expect(health.isHealthy)
    }

    @Test("round robin rotates over eligible targets and avoids tried ones while others are eligible")
    func roundRobin() {
        let eligible: Set<Int> = [0, 2, 3]
        let picks = (0..<6).map { counter in
            LoadBalancer.roundRobin(count: 4, counter: counter, isEligible: { eligible.contains($0) }, excluded: { _ in false })
        }
        #expect(picks == [0, 2, 2, 3, 0, 2])
        #expect(LoadBalancer.roundRobin(count: 4, counter: 0, isEligible: { eligible.contains($0) }, excluded: { $0 == 0 }) == 2)
        #expect(LoadBalancer.roundRobin(count: 4, counter: 0, isEligible: { $0 == 1 }, excluded: { $0 == 1 }) == 1)
        #expect(LoadBalancer.roundRobin(count: 4, counter: 0, isEligible: { _ in false }, excluded: { _ in false }) == nil)
    }

    @Test("least request picks the less loaded of two random candidates")
    func leastRequest() {
        var random = RandomSource.seeded(7).generator
        let load = [5, 0, 9]
        var counts = [0, 0, 0]
        for _ in 0..<300 {
            let pick = LoadBalancer.leastRequest(candidates: [0, 1, 2], inFlight: { load[$0] }, random: &random)!
            counts[pick] += 1
        }
        #expect(counts[2] == 0)          // the busiest never wins a pair
        #expect(counts[1] > counts[0])   // the idle one wins every pair it is in
        #expect(LoadBalancer.leastRequest(candidates: [4], inFlight: { _ in 0 }, random: &random) == 4)
        #expect(LoadBalancer.leastRequest(candidates: [], inFlight: { _ in 0 }, random: &random) == nil)
    }
}
