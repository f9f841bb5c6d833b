import PropertyBased
import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct BackoffTests {
    @Test func constantIsTheSameEveryTime() {
        let backoff = Backoff.constant(.milliseconds(200))
        #expect((1...5).map(backoff.baseDelay) == Array(repeating: .milliseconds(200), count: 5))
    }

    @Test func linearGrowsByTheIncrementUpToTheCap() {
        let backoff = Backoff.linear(initial: .milliseconds(100), increment: .milliseconds(100), maximum: .milliseconds(350))
        #expect((1...5).map(backoff.baseDelay) == [100, 200, 300, 350, 350].map { Duration.milliseconds($0) })
    }

    @Test func exponentialMultipliesUpToTheCap() {
        let backoff = Backoff.exponential(base: .milliseconds(100), multiplier: 2, maximum: .seconds(1))
        #expect((1...5).map(backoff.baseDelay) == [100, 200, 400, 800, 1000].map { Duration.milliseconds($0) })
    }

    @Test func exponentialDoesNotOverflowOnHugeAttempts() {
        let backoff = Backoff.exponential(base: .seconds(1), multiplier: 10, maximum: .seconds(30))
        #expect(backoff.baseDelay(attempt: 10_000) == .seconds(30))
        #expect(backoff.baseDelay(attempt: .max) == .seconds(30))
    }

    @Test func noJitterReturnsTheCurve() {
        var generator = RandomSource.seeded(1).generator
        let backoff = Backoff.exponential(base: .milliseconds(100), multiplier: 2, maximum: .seconds(1))
        #expect(backoff.delay(attempt: 3, using: &generator) == .milliseconds(400))
    }

    @Test func seededJitterIsDeterministic() {
        let backoff = Backoff.exponential().jittered(.full)
        var first = RandomSource.seeded(42).generator
        var second = RandomSource.seeded(42).generator
        let a = (1...8).map { backoff.delay(attempt: $0, using: &first) }
        let b = (1...8).map { backoff.delay(attempt: $0, using: &second) }
        #expect(a == b)
        #expect(Set(a).count > 1, "full jitter should spread delays")
    }

    @Test func decorrelatedJitterGrowsFromThePreviousDelay() {
        let backoff = Backoff.exponential(base: .milliseconds(100), multiplier: 2, maximum: .seconds(10)).jittered(.decorrelated)
        #expect(backoff.delayBounds(attempt: 5, previous: .milliseconds(300)) == .milliseconds(100) ... .milliseconds(900))
        #expect(backoff.delayBounds(attempt: 5, previous: .seconds(8)) == .milliseconds(100) ... .seconds(10))
    }

    @Test func describesItself() {
        #expect(Backoff.constant(.milliseconds(400)).description == "constant(400 ms)")
        #expect(Backoff.exponential().jittered(.equal).description.contains("equal jitter"))
    }

    @Test func delaysStayWithinTheirJitterBounds() async {
        let jitters: [Jitter] = [.none, .full, .equal, .decorrelated]
        await propertyCheck(
            count: 500,
            input: Gen.int(in: 1...40), Gen.int(in: 1...2_000), Gen.int(in: 0...3), Gen.int(in: 0...10_000)
        ) { attempt, baseMillis, jitterIndex, previousMillis in
            let jitter = jitters[jitterIndex]
            let backoff = Backoff.exponential(base: .milliseconds(baseMillis), multiplier: 2, maximum: .seconds(20)).jittered(jitter)
            var generator = RandomSource.seeded(UInt64(attempt * 7919 + previousMillis)).generator
            let previous = Duration.milliseconds(previousMillis)
            let delay = backoff.delay(attempt: attempt, previous: previous, using: &generator)
            let base = backoff.baseDelay(attempt: attempt)
            #expect(backoff.delayBounds(attempt: attempt, previous: previous).contains(delay))
            #expect(delay >= .zero && delay <= .seconds(20))
            switch jitter {
            case .none: #expect(delay == base)
            case .full: #expect(delay <= base)
            case .equal: #expect(delay >= base / 2 && delay <= base)
            default: #expect(delay >= .milliseconds(baseMillis) && delay <= max(.milliseconds(baseMillis), previous * 3))
            }
        }
    }
}
