import Resilience
import Testing

@testable import BulwarkCredentials

@Suite struct TokenLifecycleTests {
    typealias Waiter = TokenLifecycle.WaiterID

    static let policy = TokenRenewalPolicy(renewBefore: .duration(.seconds(10)), retryInterval: .seconds(5), minimumInterval: .seconds(1))

    static func token(_ value: String, at issuedAt: Duration, lifetime: Duration = .seconds(60)) -> AccessToken {
        AccessToken(value: value, issuedAt: issuedAt, lifetime: lifetime)
    }

    /// A lifecycle holding token `a` issued at 0 s for 60 s (renewal due at 50 s).
    static func holdingA() -> (TokenLifecycle, AccessToken) {
        var machine = TokenLifecycle(policy: policy)
        guard case .startRefresh(let start) = machine.started(at: .zero).first else { fatalError("no refresh started") }
        let a = token("a", at: .zero)
        _ = machine.refreshSucceeded(start.id, token: a, at: .seconds(1))
        return (machine, a)
    }

    @Test("the first request waits and starts one refresh; the next ones wait without starting another")
    func firstRequestsWait() {
        var machine = TokenLifecycle(policy: Self.policy)
        guard case .wait(let start?) = machine.tokenNeeded(by: Waiter(1), at: .zero) else { Issue.record("expected a refresh"); return }
        #expect(start.reason == .noToken)
        #expect(machine.tokenNeeded(by: Waiter(2), at: .seconds(1)) == .wait(startRefresh: nil))
        let a = Self.token("a", at: .zero)
        let actions = machine.refreshSucceeded(start.id, token: a, at: .seconds(2))
        #expect(actions == [.scheduleRenewal(at: .seconds(50)), .resume([Waiter(1), Waiter(2)], with: a)])
        #expect(machine.tokenNeeded(by: Waiter(3), at: .seconds(3)) == .use(a))
        #expect(machine.waiters.isEmpty)
    }

    @Test("renewal fires at expiry minus renew_before; not before")
    func renewalTiming() {
        var (machine, a) = Self.holdingA()
        #expect(machine.renewalDeadline == .seconds(50))
        #expect(machine.renewalTimerFired(at: .seconds(49)) == [.scheduleRenewal(at: .seconds(50))])
        guard case .startRefresh(let start) = machine.renewalTimerFired(at: .seconds(50)).first else { Issue.record("no renewal"); return }
        #expect(start.reason == .renewal)
        #expect(machine.tokenNeeded(by: Waiter(1), at: .seconds(51)) == .use(a), "the current token is used while the renewal runs")
        #expect(machine.state(at: .seconds(51)) == .refreshing(current: a))
    }

    @Test("a failed refresh keeps the current token in use until it expires, then requests wait and fail")
    func failureKeepsCurrentToken() {
        var (machine, a) = Self.holdingA()
        guard case .startRefresh(let renewal) = machine.renewalTimerFired(at: .seconds(50)).first else { return }
        let failure = RefreshFailure(message: "token endpoint: answered 503", httpStatus: 503)
        #expect(machine.refreshFailed(renewal.id, failure: failure, at: .seconds(51)) == [.scheduleRenewal(at: .seconds(56))])
        #expect(machine.tokenNeeded(by: Waiter(1), at: .seconds(52)) == .use(a))
        #expect(machine.state(at: .seconds(52)) == .failing(current: a, since: .seconds(51), lastError: failure))
        guard case .startRefresh(let retry) = machine.renewalTimerFired(at: .seconds(56)).first else { return }
        #expect(retry.reason == .retry)
        _ = machine.refreshFailed(retry.id, failure: failure, at: .seconds(57))
        #expect(machine.renewalDeadline == .seconds(60), "the next retry is brought forward to the token's expiry")
        #expect(machine.failure?.consecutiveFailures == 2)
        #expect(machine.failure?.since == .seconds(51))
        // Expired: a request waits and starts a refresh; its failure fails the waiter.
        guard case .wait(let demand?) = machine.tokenNeeded(by: Waiter(2), at: .seconds(60)) else { Issue.record("expected to wait"); return }
        #expect(machine.refreshFailed(demand.id, failure: failure, at: .seconds(61))
            == [.scheduleRenewal(at: .seconds(66)), .fail([Waiter(2)], .refreshFailed(failure))])
    }

    @Test("renew_before at least the lifetime renews at half of it; a zero lifetime cannot loop")
    func renewBeforeCapped() {
        var machine = TokenLifecycle(policy: TokenRenewalPolicy(renewBefore: .duration(.seconds(3600)), minimumInterval: .seconds(1)))
        guard case .startRefresh(let first) = machine.started(at: .zero).first else { return }
        _ = machine.refreshSucceeded(first.id, token: Self.token("a", at: .zero, lifetime: .seconds(60)), at: .zero)
        #expect(machine.renewalDeadline == .seconds(30))
        guard case .startRefresh(let second) = machine.renewalTimerFired(at: .seconds(30)).first else { return }
        _ = machine.refreshSucceeded(second.id, token: Self.token("b", at: .seconds(30), lifetime: .zero), at: .seconds(30))
        #expect(machine.renewalDeadline == .seconds(31), "never sooner than minimumInterval")
    }

    @Test("a 401 with the current token starts one refresh; with a replaced token none")
    func unauthorized() {
        var (machine, a) = Self.holdingA()
        guard case .startRefresh(let start) = machine.unauthorized(with: a, at: .seconds(10)).first else { Issue.record("no refresh"); return }
        #expect(start.reason == .unauthorized)
        #expect(machine.unauthorized(with: a, at: .seconds(10)).isEmpty, "a second 401 with the same token joins")
        #expect(machine.tokenNeeded(by: Waiter(1), at: .seconds(10)) == .wait(startRefresh: nil), "the rejected token is not handed out")
        let b = Self.token("b", at: .seconds(10))
        _ = machine.refreshSucceeded(start.id, token: b, at: .seconds(11))
        #expect(machine.unauthorized(with: a, at: .seconds(12)).isEmpty, "a late 401 with the replaced token")
        #expect(machine.tokenNeeded(by: Waiter(2), at: .seconds(12)) == .use(b))
    }

    @Test("401-started refreshes are at least minimumInterval apart: a 401 sooner keeps the token (no storm)")
    func unauthorizedRateLimited() {
        var (machine, a) = Self.holdingA()
        guard case .startRefresh(let start) = machine.unauthorized(with: a, at: .seconds(10)).first else { Issue.record("no refresh"); return }
        let b = Self.token("b", at: .seconds(10))
        _ = machine.refreshSucceeded(start.id, token: b, at: .milliseconds(10_100))
        #expect(machine.unauthorized(with: b, at: .milliseconds(10_500)).isEmpty, "0.5 s after the last 401-started refresh")
        #expect(machine.tokenNeeded(by: Waiter(1), at: .milliseconds(10_600)) == .use(b), "the token is kept")
        guard case .startRefresh = machine.unauthorized(with: b, at: .milliseconds(11_000)).first else {
            Issue.record("a 401 a whole minimumInterval later starts a refresh")
            return
        }
    }

    @Test("shutdown fails waiters, disarms the timer and ignores the refresh in flight")
    func shutdown() {
        var machine = TokenLifecycle(policy: Self.policy)
        guard case .wait(let start?) = machine.tokenNeeded(by: Waiter(1), at: .zero) else { return }
        #expect(machine.shutdown() == [.cancelRenewal, .fail([Waiter(1)], .shutDown)])
        #expect(machine.refreshSucceeded(start.id, token: Self.token("a", at: .zero), at: .seconds(1)).isEmpty)
        #expect(machine.tokenNeeded(by: Waiter(2), at: .seconds(1)) == .unavailable(.shutDown))
        #expect(machine.state(at: .seconds(1)) == .shutDown)
    }

    @Test("a cancelled waiter is removed; a stale refresh result is ignored")
    func cancellationAndStaleResults() {
        var machine = TokenLifecycle(policy: Self.policy)
        guard case .wait(let start?) = machine.tokenNeeded(by: Waiter(1), at: .zero) else { return }
        let removed = machine.waiterCancelled(Waiter(1))
        let removedAgain = machine.waiterCancelled(Waiter(1))
        #expect(removed && !removedAgain)
        #expect(machine.refreshSucceeded(TokenLifecycle.RefreshID(99), token: Self.token("x", at: .zero), at: .zero).isEmpty)
        #expect(machine.refreshSucceeded(start.id, token: Self.token("a", at: .zero), at: .zero) == [.scheduleRenewal(at: .seconds(50))])
    }

    @Test("RenewBefore: the table in its documentation", arguments: [
        (RenewBefore.duration(.seconds(600)), Duration.seconds(3600), Duration.seconds(3000)),
        (.duration(.seconds(600)), .seconds(600), .seconds(300)),
        (.fraction(0.1), .seconds(3600), .seconds(3240)),
        (.fraction(0.1), .seconds(20), .seconds(18)),
        (.duration(.seconds(3600)), .seconds(3600), .seconds(1800)),
        (.duration(.seconds(3600)), .seconds(20), .seconds(10)),
    ])
    func renewBeforeTable(renewBefore: RenewBefore, lifetime: Duration, renewAt: Duration) {
        #expect(renewBefore.renewalTime(for: AccessToken(value: "t", issuedAt: .zero, lifetime: lifetime)) == renewAt)
    }

    @Test("the renewal policy reports every problem with its key path")
    func policyValidation() {
        let issues = TokenRenewalPolicy(renewBefore: .fraction(1.5), retryInterval: .zero, minimumInterval: .seconds(-1)).validationIssues()
        #expect(issues.map(\.keyPath) == ["renewal.renewBefore", "renewal.retryInterval", "renewal.minimumInterval"])
        #expect(TokenRenewalPolicy(renewBefore: .duration(.seconds(-1))).validationIssues().map(\.keyPath) == ["renewal.renewBefore"])
        #expect(TokenRenewalPolicy().validationIssues().isEmpty)
    }
}
