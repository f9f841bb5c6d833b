@testable import BulwarkGateway
import NIOCore
import NIOHTTP1
import PropertyBased
import Resilience
import Testing

/// The exchange machine's cache part, called directly: what a hit, a miss, a revalidation and a
/// stale-if-error fallback make of each event.
@Suite("Exchange state machine: the response cache")
struct ExchangeCacheMachineTests {
    typealias Base = ExchangeStateMachineTests
    static let now = Base.now
    static let completion = ExchangeStateMachine.ResponseCompletion(requestComplete: true, close: false, unreadBody: 0)

    static func cachedPolicy(attempts: Int = 1) -> ExchangePolicy {
        var policy = Base.policy(attempts: attempts)
        policy.consultsCache = true
        return policy
    }

    /// A machine consulting the cache.
    static func consulting(attempts: Int = 1) -> ExchangeStateMachine {
        var machine = ExchangeStateMachine(method: .GET)
        #expect(machine.headAccepted(Base.request(), policy: cachedPolicy(attempts: attempts), now: now) == .consultCache(deadline: now + 5 * Base.second))
        #expect(machine.state == .consultingCache)
        #expect(machine.requestEnded() == .none)
        return machine
    }

    /// A machine that went upstream with `revalidating`/`stale` and whose attempt sent its request.
    static func upstream(revalidating: Int? = nil, stale: Int? = nil, attempts: Int = 1) -> ExchangeStateMachine {
        var machine = consulting(attempts: attempts)
        #expect(machine.cacheMissed(revalidatingStatus: revalidating, staleFallbackStatus: stale) == .pickTarget(excluding: 0))
        #expect(machine.targetPicked(number: 0, now: now) == .connect(attempt: 1, perTryDeadline: nil))
        #expect(machine.connected(attempt: 1) == .sendRequest(body: [], end: true))
        return machine
    }

    static let settledOK = AttemptSettlement(attempt: 1, outcome: .succeeded, reusesConnection: true)

    @Test func aHitFinishesFromTheCacheWithoutAnAttempt() {
        var machine = Self.consulting()
        #expect(machine.cacheAnswered(status: 200) == .serveFromCache(.hit, nil, Self.completion))
        #expect(machine.isFinished)
        #expect(machine.responseStatus == 200)
        #expect(machine.attempts == 0)
        #expect(machine.cacheMissed() == .none, "later events change nothing")
    }

    @Test func theDeadlineAnswers504WhileWaitingForTheCache() {
        var machine = Self.consulting()
        guard case .answer(.requestTimedOut, nil, _) = machine.deadlinePassed() else {
            Issue.record("expected a 504 answer")
            return
        }
        #expect(machine.cacheAnswered(status: 200) == .none, "a lookup that lands late is dropped")
    }

    @Test func aMissGoesUpstreamAndRelaysAsUsual() {
        var machine = Self.upstream()
        #expect(machine.upstreamHeadReceived(Base.head(.ok)) == .cancelPerTryTimer)
        #expect(machine.upstreamBodyReceived(Base.bytes(2), now: Self.now) == .forwardResponseBody(Base.bytes(2), head: Base.head(.ok)))
        #expect(machine.upstreamEnded() == .finishResponse(head: nil, Self.settledOK, Self.completion))
    }

    @Test func a304ToARevalidationServesTheStoredResponseWithItsStatus() {
        var machine = Self.upstream(revalidating: 200)
        let notModified = Base.head(.notModified, [("ETag", "\"v1\"")])
        #expect(machine.upstreamHeadReceived(notModified) == .cancelPerTryTimer)
        #expect(machine.upstreamReadCompleted(now: Self.now) == .none, "the 304 is held, never flushed to the client")
        #expect(machine.upstreamEnded() == .serveFromCache(.revalidated(notModified), Self.settledOK, Self.completion))
        #expect(machine.responseStatus == 200)
    }

    @Test func a304WithoutARevalidationIsRelayed() {
        var machine = Self.upstream(stale: 200)
        #expect(machine.upstreamHeadReceived(Base.head(.notModified, [])) == .cancelPerTryTimer)
        #expect(machine.upstreamReadCompleted(now: Self.now) == .flushResponse(head: Base.head(.notModified, [])))
    }

    @Test(arguments: [500, 502, 503, 504])
    func anUpstream5xxServesTheStaleResponseAndDropsItsBody(status: Int) {
        var machine = Self.upstream(stale: 203)
        #expect(machine.upstreamHeadReceived(Base.head(HTTPResponseStatus(statusCode: status))) == .cancelPerTryTimer)
        #expect(machine.upstreamBodyReceived(Base.bytes(2), now: Self.now) == .none)
        // The target's breaker and outlier detection still see its failure.
        let failed = AttemptSettlement(attempt: 1, outcome: .failed(.status(status)), reusesConnection: true)
        #expect(machine.upstreamEnded() == .serveFromCache(.staleOnError, failed, Self.completion))
        #expect(machine.responseStatus == 203)
        #expect(machine.responseBytes == 0)
    }

    @Test func anUpstream501IsRelayedEvenWithAStaleResponse() {
        var machine = Self.upstream(stale: 200)
        #expect(machine.upstreamHeadReceived(Base.head(.notImplemented)) == .cancelPerTryTimer)
        #expect(machine.upstreamBodyReceived(Base.bytes(2), now: Self.now) == .forwardResponseBody(Base.bytes(2), head: Base.head(.notImplemented)))
    }

    @Test func aFailedAttemptServesTheStaleResponseInsteadOfA502() {
        var machine = Self.upstream(stale: 200)
        guard case .serveFromCache(.staleOnError, let settlement?, _) = machine.upstreamFailed("reset", malformed: false) else {
            Issue.record("expected the stale response")
            return
        }
        #expect(settlement.attempt == 1)
        #expect(machine.responseStatus == 200)
    }

    @Test func noTargetServesTheStaleResponse() {
        var machine = Self.consulting()
        #expect(machine.cacheMissed(staleFallbackStatus: 200) == .pickTarget(excluding: 0))
        #expect(machine.noTargetAvailable() == .serveFromCache(.staleOnError, nil, Self.completion))
    }

    @Test func withoutAStaleResponseAFailureIsTheGatewaysAnswer() {
        var machine = Self.consulting()
        #expect(machine.cacheMissed() == .pickTarget(excluding: 0))
        guard case .answer(.noTargetAvailable, nil, _) = machine.noTargetAvailable() else {
            Issue.record("expected a 503 answer")
            return
        }
    }

    /// Whatever the upstream does, a stale fallback means the client never sees a 5xx that RFC 5861 lets
    /// the stale response replace, and the exchange ends exactly once.
    @Test func aStaleFallbackHidesEveryUpstreamFailure() async {
        await propertyCheck(input: Gen.int(in: 0...4), Gen.int(in: 0...3)) { failure, attempts in
            var machine = Self.upstream(stale: 200, attempts: 1 + attempts)
            var finals: [ExchangeStateMachine.Action] = []
            var action: ExchangeStateMachine.Action
            switch failure {
            case 0: action = machine.upstreamFailed("reset", malformed: false)
            case 1: action = machine.deadlinePassed()
            case 2: action = machine.upstreamHeadReceived(Base.head(.serviceUnavailable))
            case 3: action = machine.upstreamHeadReceived(Base.head(.badGateway))
            default: action = machine.perTryTimeoutFired(attempt: 1)
            }
            // Refuse every retry, so the failure is final.
            for _ in 0..<8 {
                switch action {
                case .askRetryBudget:
                    var random = RandomSource.seeded(1).generator
                    action = machine.retryBudgetAnswered(granted: false, using: &random)
                case .cancelPerTryTimer:
                    action = machine.upstreamEnded()
                default:
                    finals.append(action)
                    action = .none
                }
                if case .none = action { break }
            }
            let served = finals.contains { if case .serveFromCache(.staleOnError, _, _) = $0 { true } else { false } }
            let answered5xx = finals.contains { if case .answer = $0 { true } else { false } }
            #expect(served && !answered5xx, "failure \(failure): \(finals)")
            #expect(machine.isFinished)
            #expect(machine.responseStatus == 200)
        }
    }
}
