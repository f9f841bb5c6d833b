import PropertyBased
import Testing

@testable import BulwarkCredentials

@Suite(.timeLimit(.minutes(1))) struct TokenLifecyclePropertyTests {
    /// What a run observed that breaks an invariant; empty when none did.
    typealias Violations = [String]

    /// Interprets random numbers as events with a moving `now`: requests, time passing, the timer firing,
    /// refreshes ending either way, 401s with the current or an old token, cancelled waiters. A simple model
    /// (the last token issued, and whether a 401 rejected it) says what the machine must answer.
    static func run(_ script: [Int], renewBefore: RenewBefore) -> Violations {
        let policy = TokenRenewalPolicy(renewBefore: renewBefore, retryInterval: .seconds(7), minimumInterval: .seconds(1))
        var machine = TokenLifecycle(policy: policy)
        var violations: Violations = []
        var now = Duration.zero
        var inFlight: TokenLifecycle.RefreshStart?
        var refreshStartedAt = Duration.zero
        var waiting: [TokenLifecycle.WaiterID] = []
        var nextWaiter: UInt64 = 0
        var issued: [AccessToken] = []
        var latest: AccessToken?          // the model's current token
        var latestRejected = false
        var lastUnauthorizedRefresh: Duration?
        var deadline: Duration?           // the timer as the shell would have armed it

        func usable() -> AccessToken? {
            guard let latest, !latestRejected, now < latest.expiresAt else { return nil }
            return latest
        }
        func apply(_ actions: [TokenLifecycle.Action], _ event: String) {
            for action in actions {
                switch action {
                case .startRefresh(let start):
                    if inFlight != nil { violations.append("\(event): a second refresh started while one is in flight") }
                    inFlight = start
                    refreshStartedAt = now
                case .scheduleRenewal(let at):
                    if at <= now { violations.append("\(event): renewal scheduled at \(at), not after now \(now)") }
                    deadline = at
                case .cancelRenewal:
                    deadline = nil
                case .resume(let ids, _), .fail(let ids, _):
                    if Set(ids) != Set(waiting) { violations.append("\(event): resolved \(ids) but \(waiting) were waiting") }
                    waiting.removeAll()
                }
            }
        }

        for step in script {
            switch step % 100 {
            case 0..<30:
                nextWaiter += 1
                let waiter = TokenLifecycle.WaiterID(nextWaiter)
                let expected = usable()
                let wasInFlight = inFlight != nil
                switch machine.tokenNeeded(by: waiter, at: now) {
                case .use(let token):
                    if token != expected { violations.append("request at \(now): used \(token), the model says \(String(describing: expected))") }
                case .wait(let start):
                    if expected != nil { violations.append("request at \(now): waited although a token valid until \(expected!.expiresAt) exists") }
                    if (start != nil) == wasInFlight { violations.append("request at \(now): refresh start \(String(describing: start)) with one in flight: \(wasInFlight)") }
                    waiting.append(waiter)
                    if let start { apply([.startRefresh(start)], "request") }
                case .unavailable:
                    violations.append("request at \(now): unavailable before shutdown")
                }
            case 30..<45:
                now += .milliseconds(step * 7_919 % 20_000)
            case 45..<55:
                // The shell fires the timer at its deadline (now and then a stale, early firing).
                if let due = deadline, step % 10 != 0 {
                    now = max(now, due)
                    deadline = nil
                    apply(machine.renewalTimerFired(at: now), "timer")
                } else {
                    apply(machine.renewalTimerFired(at: now), "early timer")
                }
            case 55..<70 where inFlight != nil:
                now += .milliseconds(step % 7 * 100)
                let lifetime = Duration.milliseconds(step * 104_729 % 60_000)
                let token = AccessToken(value: "t\(issued.count)", issuedAt: refreshStartedAt, lifetime: lifetime)
                let start = inFlight!
                inFlight = nil
                issued.append(token)
                latest = token
                latestRejected = false
                let actions = machine.refreshSucceeded(start.id, token: token, at: now)
                apply(actions, "success")
                let expectedDeadline = max(renewBefore.renewalTime(for: token), now + policy.minimumInterval)
                if machine.renewalDeadline != expectedDeadline || deadline != expectedDeadline {
                    violations.append("success at \(now): renewal at \(String(describing: deadline)), expected \(expectedDeadline)")
                }
                let lead = renewBefore.lead(forLifetime: lifetime)
                if lead < .zero || (lifetime > .zero && lead >= lifetime) {
                    violations.append("success at \(now): renews \(lead) before the end of a \(lifetime) lifetime")
                }
            case 70..<82 where inFlight != nil:
                now += .milliseconds(step % 5 * 300)
                let start = inFlight!
                inFlight = nil
                apply(machine.refreshFailed(start.id, failure: RefreshFailure(message: "down"), at: now), "failure")
            case 82..<92:
                guard let latest else { continue }
                let rateLimited = lastUnauthorizedRefresh.map { now - $0 < policy.minimumInterval } ?? false
                let shouldStart = !latestRejected && inFlight == nil && !rateLimited
                let actions = machine.unauthorized(with: latest, at: now)
                let started = actions.filter { if case .startRefresh = $0 { true } else { false } }.count
                if started != (shouldStart ? 1 : 0) {
                    violations.append("401 with the current token at \(now): \(started) refreshes started, expected \(shouldStart ? 1 : 0)")
                }
                if started == 1 { lastUnauthorizedRefresh = now }
                if !rateLimited { latestRejected = true }
                apply(actions, "401")
            case 92..<96:
                guard issued.count >= 2 else { continue }
                let old = issued[step % (issued.count - 1)]
                let actions = machine.unauthorized(with: old, at: now)
                if !actions.isEmpty { violations.append("401 with replaced token \(old.value) at \(now): \(actions)") }
            default:
                guard !waiting.isEmpty else { continue }
                let waiter = waiting.remove(at: step % waiting.count)
                if !machine.waiterCancelled(waiter) { violations.append("cancelled waiter \(waiter) was not waiting") }
            }
            if !machine.waiters.isEmpty, machine.refreshInFlight == nil {
                violations.append("at \(now): \(machine.waiters.count) requests wait with no refresh in flight")
            }
            if machine.waiters != waiting { violations.append("at \(now): machine waiters \(machine.waiters), model \(waiting)") }
        }
        return violations
    }

    static let renewBefore = Gen.int(in: 0...3).map { choice -> RenewBefore in
        switch choice {
        case 0: .duration(.seconds(5))
        case 1: .duration(.seconds(3600))
        case 2: .fraction(0.1)
        default: .fraction(0.5)
        }
    }

    @Test("random event sequences keep every invariant")
    func invariantsHold() async {
        await propertyCheck(count: 400, input: Gen.int(in: 0...999).array(of: 1...300), Self.renewBefore) { script, renewBefore in
            let violations = Self.run(script, renewBefore: renewBefore)
            #expect(violations.isEmpty, "\(violations.prefix(3))")
        }
    }

    @Test("shutdown at any point fails every waiter and nothing starts afterwards")
    func shutdownAtAnyPoint() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...999).array(of: 1...100)) { script in
            var machine = TokenLifecycle()
            var now = Duration.zero
            var inFlight: TokenLifecycle.RefreshStart?
            var next: UInt64 = 0
            for step in script {
                next += 1
                if case .wait(let start?) = machine.tokenNeeded(by: .init(next), at: now) { inFlight = start }
                now += .seconds(step % 13)
                if step % 3 == 0, let start = inFlight {
                    _ = machine.refreshSucceeded(start.id, token: AccessToken(value: "t\(step)", issuedAt: now, lifetime: .seconds(step % 30)), at: now)
                    inFlight = nil
                }
            }
            let waiting = machine.waiters
            let actions = machine.shutdown()
            #expect(actions.contains(.cancelRenewal))
            if !waiting.isEmpty { #expect(actions.contains(.fail(waiting, .shutDown))) }
            #expect(machine.renewalTimerFired(at: now + .seconds(3600)).isEmpty)
            #expect(machine.started(at: now).isEmpty)
            #expect(machine.tokenNeeded(by: .init(next + 1), at: now) == .unavailable(.shutDown))
        }
    }
}
