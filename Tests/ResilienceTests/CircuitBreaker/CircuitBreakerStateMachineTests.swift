import Testing

@testable import Resilience

@Suite(.timeLimit(.minutes(1))) struct CircuitBreakerStateMachineTests {
    static func config(
        window: SlidingWindow = .countBased(10),
        minimumCalls: Int = 10,
        failureRate: Double = 50,
        consecutive: Int? = nil,
        halfOpenCalls: Int = 3,
        open: Duration = .seconds(30),
        multiplier: Double = 1,
        slowAfter: Duration = .seconds(5),
        slowRate: Double = 100
    ) -> CircuitBreakerConfiguration {
        CircuitBreakerConfiguration(
            failureRateThreshold: failureRate, slowCallRateThreshold: slowRate, slowCallDurationThreshold: slowAfter,
            slidingWindow: window, minimumNumberOfCalls: minimumCalls, consecutiveFailureThreshold: consecutive,
            openDuration: open, openDurationMultiplier: multiplier, maximumOpenDuration: .seconds(120),
            permittedCallsInHalfOpen: halfOpenCalls
        )
    }

    @Test func opensExactlyAtTheFailureRateThreshold() {
        let breaker = CircuitBreakerDriver(Self.config())
        for _ in 0..<5 { breaker.call(.succeeded) }
        for _ in 0..<4 { breaker.call(.failed) }
        #expect(breaker.state == .closed, "9 calls: below the minimum of 10")
        breaker.call(.failed)
        #expect(breaker.state == .open, "5 failures of 10 = 50 %: at the threshold opens")
        #expect(breaker.transitions == [CircuitBreakerTransition(from: .closed, to: .open)])
    }

    @Test func staysClosedJustBelowTheThreshold() {
        let breaker = CircuitBreakerDriver(Self.config())
        for _ in 0..<6 { breaker.call(.succeeded) }
        for _ in 0..<4 { breaker.call(.failed) }
        #expect(breaker.state == .closed, "40 % < 50 %")
        #expect(breaker.totals().failureRate == 40)
    }

    @Test func doesNotEvaluateBeforeTheMinimumNumberOfCalls() {
        let breaker = CircuitBreakerDriver(Self.config(window: .countBased(100), minimumCalls: 5))
        for _ in 0..<4 { breaker.call(.failed) }
        #expect(breaker.state == .closed)
        breaker.call(.failed)
        #expect(breaker.state == .open)
    }

    @Test func countWindowSlidesPastOldFailures() {
        let breaker = CircuitBreakerDriver(Self.config(window: .countBased(4), minimumCalls: 4))
        breaker.call(.failed)
        breaker.call(.succeeded)
        breaker.call(.succeeded)
        breaker.call(.succeeded)
        #expect(breaker.totals() == .init(calls: 4, failures: 1, slowCalls: 0))
        breaker.call(.succeeded)
        #expect(breaker.totals() == .init(calls: 4, failures: 0, slowCalls: 0), "the failure slid out")
        breaker.call(.failed)
        breaker.call(.failed)
        #expect(breaker.state == .open, "2 of the last 4 failed")
    }

    @Test func timeWindowForgetsFailuresOlderThanTheWindow() {
        let breaker = CircuitBreakerDriver(Self.config(window: .timeBased(.seconds(10)), minimumCalls: 4))
        breaker.call(.failed)
        breaker.call(.failed)
        breaker.advance(.seconds(5))
        breaker.call(.succeeded)
        #expect(breaker.totals() == .init(calls: 3, failures: 2, slowCalls: 0))
        breaker.advance(.seconds(6))   // t = 11 s: the failures at 0 s slid out
        #expect(breaker.totals() == .init(calls: 1, failures: 0, slowCalls: 0))
        breaker.call(.succeeded)
        breaker.call(.failed)
        breaker.call(.succeeded)
        #expect(breaker.state == .closed, "1 of 4 failed in the window: 25 %")
    }

    @Test func slowCallsOpenAtTheSlowCallRate() {
        let breaker = CircuitBreakerDriver(Self.config(window: .countBased(4), minimumCalls: 4, slowAfter: .seconds(2), slowRate: 50))
        breaker.call(.succeeded, taking: .seconds(3))
        breaker.call(.succeeded, taking: .milliseconds(1_999))
        breaker.call(.succeeded)
        #expect(breaker.state == .closed)
        let ticket = breaker.acquire()!
        #expect(breaker.finish(ticket, .succeeded, after: .seconds(2)) == .slowSuccess, "exactly at the threshold is slow")
        #expect(breaker.state == .open, "2 slow of 4 = 50 %")
    }

    @Test func consecutiveFailuresModeOpensAfterNInARow() {
        let breaker = CircuitBreakerDriver(Self.config(window: .countBased(100), minimumCalls: 100, consecutive: 3))
        breaker.call(.failed)
        breaker.call(.failed)
        breaker.call(.succeeded)
        breaker.call(.failed)
        breaker.call(.failed)
        #expect(breaker.state == .closed, "a success broke the run")
        breaker.call(.failed)
        #expect(breaker.state == .open)
    }

    @Test func rejectsWhileOpenWithTheTimeLeft() {
        let breaker = CircuitBreakerDriver(Self.config(consecutive: 1, open: .seconds(30)))
        breaker.call(.failed)
        breaker.advance(.seconds(10))
        #expect(breaker.admission() == .rejected(state: .open, retryAfter: .seconds(20)))
    }

    @Test func turnsHalfOpenWhenTheOpenDurationHasElapsed() {
        let breaker = CircuitBreakerDriver(Self.config(consecutive: 1, open: .seconds(30)))
        breaker.call(.failed)
        breaker.advance(.milliseconds(29_999))
        #expect(breaker.state == .open, "not yet")
        breaker.advance(.milliseconds(1))
        #expect(breaker.state == .halfOpen, "now")
    }

    @Test func halfOpenAdmitsNoMoreThanItsPermittedCalls() {
        let breaker = CircuitBreakerDriver(Self.config(consecutive: 1, halfOpenCalls: 3))
        breaker.call(.failed)
        breaker.advance(.seconds(30))
        let tickets = (0..<3).compactMap { _ in breaker.acquire() }
        #expect(tickets.count == 3)
        #expect(breaker.admission() == .rejected(state: .halfOpen, retryAfter: nil), "a fourth call while three are in flight")
        breaker.finish(tickets[0], .ignored)
        #expect(breaker.acquire() != nil, "an ignored trial call frees its slot")
    }

    @Test func halfOpenClosesWhenTheTrialCallsAreHealthy() {
        let breaker = CircuitBreakerDriver(Self.config(halfOpenCalls: 3))
        for _ in 0..<10 { breaker.call(.failed) }
        breaker.advance(.seconds(30))
        breaker.call(.succeeded)
        breaker.call(.failed)
        #expect(breaker.state == .halfOpen, "2 of 3 trial calls done")
        breaker.call(.succeeded)
        #expect(breaker.state == .closed, "1 of 3 failed: 33 % < 50 %")
        #expect(breaker.transitions.map(\.to) == [.open, .halfOpen, .closed])
        #expect(breaker.totals().calls == 0, "closing starts an empty window")
    }

    @Test func halfOpenReopensWhenTheTrialCallsFail() {
        let breaker = CircuitBreakerDriver(Self.config(halfOpenCalls: 2))
        for _ in 0..<10 { breaker.call(.failed) }
        breaker.advance(.seconds(30))
        breaker.call(.succeeded)
        breaker.call(.failed)
        #expect(breaker.state == .open, "1 of 2 failed: 50 % ≥ 50 %")
    }

    @Test func consecutiveModeReopensOnTheFirstFailedTrialCall() {
        let breaker = CircuitBreakerDriver(Self.config(consecutive: 2, halfOpenCalls: 5))
        breaker.call(.failed)
        breaker.call(.failed)
        breaker.advance(.seconds(30))
        breaker.call(.succeeded)
        breaker.call(.failed)
        #expect(breaker.state == .open)
    }

    @Test func openDurationGrowsOnRepeatedTripsAndResetsOnClose() {
        let breaker = CircuitBreakerDriver(Self.config(consecutive: 1, halfOpenCalls: 1, open: .seconds(10), multiplier: 2))
        breaker.call(.failed)
        #expect(breaker.admission() == .rejected(state: .open, retryAfter: .seconds(10)))
        breaker.advance(.seconds(10))
        breaker.call(.failed)
        #expect(breaker.admission() == .rejected(state: .open, retryAfter: .seconds(20)), "second trip in a row: 2 × 10 s")
        breaker.advance(.seconds(20))
        breaker.call(.failed)
        #expect(breaker.admission() == .rejected(state: .open, retryAfter: .seconds(40)))
        breaker.advance(.seconds(40))
        breaker.call(.succeeded)
        #expect(breaker.state == .closed)
        breaker.call(.failed)
        #expect(breaker.admission() == .rejected(state: .open, retryAfter: .seconds(10)), "back to the base after closing")
    }

    @Test func outcomesOfCallsAdmittedBeforeAStateChangeAreNotCounted() {
        let breaker = CircuitBreakerDriver(Self.config(consecutive: 1, halfOpenCalls: 1))
        let slowTicket = breaker.acquire()!
        breaker.call(.failed)
        #expect(breaker.state == .open)
        breaker.advance(.seconds(30))
        let probe = breaker.acquire()!
        #expect(breaker.finish(slowTicket, .failed) == nil, "admitted while closed: stale")
        #expect(breaker.state == .halfOpen, "the stale failure did not re-open it")
        breaker.finish(probe, .succeeded)
        #expect(breaker.state == .closed)
    }

    @Test func ignoredCallsCountNeitherWay() {
        let breaker = CircuitBreakerDriver(Self.config(window: .countBased(2), minimumCalls: 2))
        breaker.call(.failed)
        breaker.call(.ignored)
        breaker.call(.ignored)
        #expect(breaker.totals().calls == 1)
        #expect(breaker.state == .closed)
    }

    @Test func manualStatesOverrideTheRules() {
        let breaker = CircuitBreakerDriver(Self.config(consecutive: 1))
        breaker.apply { $0.forceOpen() }
        #expect(breaker.admission() == .rejected(state: .forcedOpen, retryAfter: nil))
        breaker.advance(.seconds(3_600))
        #expect(breaker.state == .forcedOpen, "forced open does not time out")
        breaker.apply { $0.disable() }
        for _ in 0..<10 { #expect(breaker.call(.failed)) }
        #expect(breaker.state == .disabled, "disabled records nothing")
        breaker.apply { $0.close() }
        breaker.call(.failed)
        #expect(breaker.state == .open)
        breaker.apply { $0.reset() }
        #expect(breaker.state == .closed)
        #expect(breaker.transitions.allSatisfy { CircuitBreakerTransition.legal.contains($0) })
    }
}
