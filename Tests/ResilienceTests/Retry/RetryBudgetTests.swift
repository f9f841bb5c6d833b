import Testing

@testable import Resilience

/// A reference to a budget state, so that mutating calls can sit inside `#expect`.
private final class BudgetBox {
    var state: RetryBudget.State
    init(_ state: RetryBudget.State) { self.state = state }
    func callStarted(at now: Duration) { state.callStarted(at: now) }
    func retry(at now: Duration) -> Bool { state.retryRequested(at: now) }
    func window(at now: Duration) -> [Int] { let c = state.counts(at: now); return [c.calls, c.retries] }
}

@Suite(.timeLimit(.minutes(1))) struct RetryBudgetTests {
    @Test func allowsThePercentageOfCallsPlusTheReserve() {
        let budget = BudgetBox(RetryBudget.State(percent: 20, minimumPerSecond: 0, window: .seconds(10)))
        for _ in 0..<10 { budget.callStarted(at: .seconds(1)) }
        #expect(budget.retry(at: .seconds(1)))
        #expect(budget.retry(at: .seconds(1)))
        #expect(!budget.retry(at: .seconds(1)), "20 % of 10 calls is 2 retries")
    }

    @Test func theReserveAllowsRetriesWithoutTraffic() {
        let budget = BudgetBox(RetryBudget.State(percent: 20, minimumPerSecond: 1, window: .seconds(3)))
        #expect(budget.retry(at: .zero))
        #expect(budget.retry(at: .zero))
        #expect(budget.retry(at: .zero))
        #expect(!budget.retry(at: .zero), "1 per second over 3 s")
    }

    @Test func oldCallsAndRetriesSlideOutOfTheWindow() {
        let budget = BudgetBox(RetryBudget.State(percent: 100, minimumPerSecond: 0, window: .seconds(10)))
        budget.callStarted(at: .seconds(0))
        #expect(budget.retry(at: .seconds(1)))
        #expect(!budget.retry(at: .seconds(2)))
        #expect(budget.window(at: .milliseconds(9_999)) == [1, 1])
        #expect(budget.window(at: .milliseconds(10_500)) == [0, 1], "the call at 0 s slid out; the retry at 1 s is still in")
        #expect(budget.window(at: .seconds(11)) == [0, 0], "a 10 s window at 11 s no longer holds 1 s")
        budget.callStarted(at: .seconds(12))
        #expect(budget.retry(at: .seconds(12)), "the old retry slid out")
    }

    @Test func sharedBudgetCountsCallsFromEveryUser() {
        let budget = RetryBudget(percent: 50, minimumPerSecond: 0)
        budget.recordCall()
        budget.recordCall()
        #expect(budget.tryWithdrawRetry())
        #expect(!budget.tryWithdrawRetry())
        #expect(budget.usage == (2, 1))
    }
}
