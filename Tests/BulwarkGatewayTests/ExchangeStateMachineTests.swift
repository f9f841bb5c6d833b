@testable import BulwarkGateway
import NIOCore
import NIOHTTP1
import Resilience
import Testing

/// The exchange machine called directly: each event's action, case by case.
@Suite("Exchange state machine")
struct ExchangeStateMachineTests {
    static let now: Int64 = 1_000_000_000
    static let second: Int64 = 1_000_000_000

    static func policy(
        attempts: Int = 3, retriesMethod: Bool = true, perTry: Int64? = nil, bufferLimit: Int = 1024,
        rateLimited: Bool = false, backoff: Backoff = .constant(.milliseconds(10))
    ) -> ExchangePolicy {
        ExchangePolicy(
            checksRateLimits: rateLimited, requestTimeout: 5 * second, perTryTimeout: perTry, maxAttempts: attempts,
            retriesMethod: retriesMethod, retryStatuses: [502, 503, 504], replayBufferLimit: bufferLimit, backoff: backoff
        )
    }

    static func request(_ framing: RequestBodyFraming = .none, expectsContinue: Bool = false, maxBody: Int = 0) -> ExchangeRequest {
        ExchangeRequest(framing: framing, expectsContinue: expectsContinue, maxBodyBytes: maxBody)
    }

    static func head(_ status: HTTPResponseStatus, _ fields: [(String, String)] = [("Content-Length", "2")]) -> HTTPResponseHead {
        HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(fields))
    }

    static func bytes(_ count: Int) -> ByteBuffer {
        ByteBuffer(repeating: UInt8(ascii: "x"), count: count)
    }

    static func failed(_ attempt: Int, _ failure: AttemptFailure) -> AttemptSettlement {
        AttemptSettlement(attempt: attempt, outcome: .failed(failure), reusesConnection: false)
    }

    /// A machine admitted with `policy`, whose first attempt is connecting to target 0.
    static func connecting(
        _ policy: ExchangePolicy = policy(), request: ExchangeRequest = request(), method: HTTPMethod = .GET
    ) -> ExchangeStateMachine {
        var machine = ExchangeStateMachine(method: method)
        #expect(machine.headAccepted(request, policy: policy, now: now) == .admit(sendContinue: false, deadline: now + 5 * second))
        #expect(machine.targetPicked(number: 0, now: now) == .connect(attempt: 1, perTryDeadline: policy.perTryTimeout.map { now + $0 }))
        return machine
    }

    /// A machine whose first attempt sent a bodiless request.
    static func sent(_ policy: ExchangePolicy = policy(), method: HTTPMethod = .GET) -> ExchangeStateMachine {
        var machine = connecting(policy, method: method)
        #expect(machine.requestEnded() == .none)
        #expect(machine.connected(attempt: 1) == .sendRequest(body: [], end: true))
        return machine
    }

    static func retryGranted(_ machine: inout ExchangeStateMachine) -> ExchangeStateMachine.Action {
        var random = RandomSource.seeded(1).generator
        return machine.retryBudgetAnswered(granted: true, using: &random)
    }

    static func retryDenied(_ machine: inout ExchangeStateMachine) -> ExchangeStateMachine.Action {
        var random = RandomSource.seeded(1).generator
        return machine.retryBudgetAnswered(granted: false, using: &random)
    }

    // MARK: Retries

    @Test("a connect failure is retried on another target after the backoff")
    func retryOnConnectFailure() {
        var machine = Self.connecting()
        #expect(machine.connectFailed(attempt: 1, "refused") == .askRetryBudget)
        #expect(Self.retryGranted(&machine) == .retry(Self.failed(1, .connect("refused")), after: .milliseconds(10)))
        #expect(machine.backoffElapsed() == .pickTarget(excluding: 0b1))
        #expect(machine.targetPicked(number: 1, now: Self.now) == .connect(attempt: 2, perTryDeadline: nil))
        #expect(machine.connectFailed(attempt: 1, "late") == .none)   // the old attempt's news changes nothing
        #expect(machine.attempts == 2)
    }

    @Test("a retryable status is dropped and the request replayed whole on the next attempt")
    func retryOnStatus() {
        let body = Self.bytes(10)
        var machine = Self.connecting(request: Self.request(.length(10)), method: .PUT)
        #expect(machine.requestBodyReceived(body) == .none)
        #expect(machine.requestEnded() == .none)
        #expect(machine.connected(attempt: 1) == .sendRequest(body: [body], end: true))
        #expect(machine.upstreamHeadReceived(Self.head(.serviceUnavailable)) == .askRetryBudget)
        #expect(!machine.responseStarted)
        #expect(Self.retryGranted(&machine) == .retry(Self.failed(1, .status(503)), after: .milliseconds(10)))
        #expect(machine.backoffElapsed() == .pickTarget(excluding: 0b1))
        #expect(machine.targetPicked(number: 1, now: Self.now) == .connect(attempt: 2, perTryDeadline: nil))
        #expect(machine.connected(attempt: 2) == .sendRequest(body: [body], end: true))
    }

    @Test("a status not listed for retries is relayed")
    func unlistedStatusRelayed() {
        var machine = Self.sent()
        let head = Self.head(.internalServerError)
        #expect(machine.upstreamHeadReceived(head) == .cancelPerTryTimer)
        #expect(machine.responseStarted)
        #expect(machine.upstreamReadCompleted(now: Self.now) == .flushResponse(head: head))
    }

    @Test("no retry once the response started: the response is cut")
    func noRetryAfterResponseStarted() {
        var machine = Self.sent()
        let head = Self.head(.ok)
        #expect(machine.upstreamHeadReceived(head) == .cancelPerTryTimer)
        #expect(machine.upstreamBodyReceived(Self.bytes(1), now: Self.now) == .forwardResponseBody(Self.bytes(1), head: head))
        #expect(machine.upstreamFailed("reset", malformed: false) == .abortResponse(Self.failed(1, .lostMidResponse("reset"))))
        #expect(machine.isFinished)
    }

    @Test("a held head no byte of which was written is withdrawn, and the attempt can be retried")
    func heldHeadWithdrawn() {
        var machine = Self.sent()
        #expect(machine.upstreamHeadReceived(Self.head(.ok)) == .cancelPerTryTimer)
        #expect(machine.upstreamFailed("reset", malformed: false) == .askRetryBudget)
        #expect(!machine.responseStarted)
    }

    @Test("a method not listed for retries gets the failure's answer at once")
    func noRetryForNonIdempotentMethod() {
        var machine = Self.connecting(Self.policy(retriesMethod: false), method: .POST)
        guard case .answer(let answer, let settlement, _) = machine.connectFailed(attempt: 1, "refused") else {
            Issue.record("expected an answer")
            return
        }
        #expect(answer == .attemptFailed(.connect("refused")))
        #expect(answer.status == .badGateway)
        #expect(settlement == Self.failed(1, .connect("refused")))
        #expect(machine.attempts == 1)
    }

    @Test("a body that outgrew the replay buffer is not retried: the 503 is relayed")
    func noRetryWhenBodyOutgrewBuffer() {
        var machine = Self.connecting(Self.policy(bufferLimit: 8), request: Self.request(.length(20)), method: .PUT)
        #expect(machine.requestBodyReceived(Self.bytes(12)) == .none)
        #expect(machine.connected(attempt: 1) == .sendRequest(body: [Self.bytes(12)], end: false))
        #expect(machine.requestBodyReceived(Self.bytes(8)) == .forwardRequestBody(Self.bytes(8)))
        #expect(machine.requestEnded() == .sendRequestEnd)
        let head = Self.head(.serviceUnavailable)
        #expect(machine.upstreamHeadReceived(head) == .cancelPerTryTimer)
        #expect(machine.responseStatus == 503)
        guard case .finishResponse(let written, let settlement, _) = machine.upstreamEnded() else {
            Issue.record("expected the response to finish")
            return
        }
        #expect(written == head)
        #expect(settlement == AttemptSettlement(attempt: 1, outcome: .failed(.status(503)), reusesConnection: true))
    }

    @Test("an empty retry budget: a retryable status is relayed, a connect failure answered")
    func noRetryWhenBudgetEmpty() {
        var relayed = Self.sent()
        #expect(relayed.upstreamHeadReceived(Self.head(.badGateway)) == .askRetryBudget)
        #expect(Self.retryDenied(&relayed) == .cancelPerTryTimer)
        #expect(relayed.responseStatus == 502)

        var answered = Self.connecting()
        #expect(answered.connectFailed(attempt: 1, "refused") == .askRetryBudget)
        guard case .answer(.attemptFailed(.connect("refused")), let settlement, _) = Self.retryDenied(&answered) else {
            Issue.record("expected a 502")
            return
        }
        #expect(settlement == Self.failed(1, .connect("refused")))
    }

    @Test("attempts run out: the last failure is answered")
    func attemptsExhausted() {
        var machine = Self.connecting(Self.policy(attempts: 2))
        #expect(machine.connectFailed(attempt: 1, "refused") == .askRetryBudget)
        _ = Self.retryGranted(&machine)
        _ = machine.backoffElapsed()
        _ = machine.targetPicked(number: 1, now: Self.now)
        guard case .answer(.attemptFailed(.connect("again")), _, _) = machine.connectFailed(attempt: 2, "again") else {
            Issue.record("expected a 502 without asking the budget")
            return
        }
    }

    // MARK: Timeouts

    @Test("the per-try timeout fails an attempt without a head, and only the current one")
    func perTryTimeout() {
        var machine = Self.connecting(Self.policy(attempts: 2, perTry: Self.second))
        #expect(machine.perTryTimeoutFired(attempt: 1) == .askRetryBudget)
        #expect(Self.retryGranted(&machine) == .retry(Self.failed(1, .perTryTimeout), after: .milliseconds(10)))
        _ = machine.backoffElapsed()
        #expect(machine.targetPicked(number: 1, now: Self.now + 7) == .connect(attempt: 2, perTryDeadline: Self.now + 7 + Self.second))
        #expect(machine.perTryTimeoutFired(attempt: 1) == .none)   // a late timer of the first attempt
        #expect(machine.connected(attempt: 2) == .sendRequest(body: [], end: false))
        guard case .answer(let answer, let settlement, _) = machine.perTryTimeoutFired(attempt: 2) else {
            Issue.record("expected a 504")
            return
        }
        #expect(answer.status == .gatewayTimeout)
        #expect(settlement == Self.failed(2, .perTryTimeout))
    }

    @Test("the per-try timeout no longer applies once a head came")
    func perTryTimeoutAfterHead() {
        var machine = Self.sent(Self.policy(perTry: Self.second))
        #expect(machine.upstreamHeadReceived(Self.head(.continue, [])) == .cancelPerTryTimer)
        #expect(machine.perTryTimeoutFired(attempt: 1) == .none)
    }

    @Test("the deadline before the response: 504, the attempt settled as failed")
    func deadlineBeforeResponse() {
        var machine = Self.sent()
        guard case .answer(.requestTimedOut, let settlement, let completion) = machine.deadlinePassed() else {
            Issue.record("expected a 504")
            return
        }
        #expect(ExchangeAnswer.requestTimedOut.status == .gatewayTimeout)
        #expect(settlement == Self.failed(1, .requestTimeout))
        #expect(completion == .init(requestComplete: true, close: false, unreadBody: 0))
        #expect(machine.deadlinePassed() == .none)
    }

    @Test("the deadline with a head held back: withdrawn, 504")
    func deadlineWithHeldHead() {
        var machine = Self.sent()
        _ = machine.upstreamHeadReceived(Self.head(.ok))
        guard case .answer(.requestTimedOut, _, _) = machine.deadlinePassed() else {
            Issue.record("expected a 504")
            return
        }
        #expect(machine.responseStatus == 504)
    }

    @Test("the deadline after the response started: the response is cut")
    func deadlineAfterResponseStarted() {
        var machine = Self.sent()
        _ = machine.upstreamHeadReceived(Self.head(.ok))
        _ = machine.upstreamReadCompleted(now: Self.now)
        #expect(machine.deadlinePassed() == .abortResponse(Self.failed(1, .requestTimeout)))
    }

    @Test("the deadline during the backoff: 504 with nothing to settle")
    func deadlineDuringBackoff() {
        var machine = Self.connecting()
        _ = machine.connectFailed(attempt: 1, "refused")
        _ = Self.retryGranted(&machine)
        guard case .answer(.requestTimedOut, nil, _) = machine.deadlinePassed() else {
            Issue.record("expected a 504 without a settlement")
            return
        }
        #expect(machine.backoffElapsed() == .none)
    }

    // MARK: Malformed responses

    @Test("a response Transfer-Encoding the gateway cannot relay is a 502")
    func malformedTransferEncoding() {
        var machine = Self.sent(Self.policy(attempts: 1))
        let head = Self.head(.ok, [("Transfer-Encoding", "gzip, chunked")])
        guard case .answer(let answer, let settlement, _) = machine.upstreamHeadReceived(head) else {
            Issue.record("expected a 502")
            return
        }
        #expect(answer.status == .badGateway)
        guard case .attemptFailed(.malformedResponse) = answer, case .failed(.malformedResponse)? = settlement?.outcome else {
            Issue.record("expected a malformed-response failure, got \(answer)")
            return
        }
    }

    @Test("bytes that are not HTTP before the head: 502")
    func malformedBytes() {
        var machine = Self.sent(Self.policy(attempts: 1))
        guard case .answer(.attemptFailed(.malformedResponse("bad")), _, _) = machine.upstreamFailed("bad", malformed: true) else {
            Issue.record("expected a 502")
            return
        }
        #expect(machine.responseStatus == 502)
    }

    // MARK: The request side

    @Test("100-continue: sent on admission unless the body already ended; an earlier answer leaves the body unread")
    func expectContinue() {
        var waiting = ExchangeStateMachine(method: .PUT)
        #expect(waiting.headAccepted(Self.request(.length(10), expectsContinue: true), policy: Self.policy(), now: Self.now) == .admit(sendContinue: true, deadline: Self.now + 5 * Self.second))
        #expect(waiting.unreadBody == 10)

        var denied = ExchangeStateMachine(method: .PUT)
        #expect(denied.headAccepted(Self.request(.length(10), expectsContinue: true), policy: Self.policy(rateLimited: true), now: Self.now) == .checkRateLimit)
        #expect(denied.unreadBody == .max)   // the client waits for a 100 Continue it never gets
        guard case .answer(.rateLimited(policy: "auth", retryAfterSeconds: 3), nil, let completion) = denied.rateLimitDenied(policy: "auth", retryAfterSeconds: 3) else {
            Issue.record("expected a 429")
            return
        }
        #expect(completion == .init(requestComplete: false, close: false, unreadBody: .max))
    }

    @Test("the client closing mid-attempt gives the permit back, once; its connection goes to the pool")
    func clientClosedMidAttempt() {
        var connecting = Self.connecting()
        #expect(connecting.clientClosed() == .abandon(AttemptSettlement(attempt: 1, outcome: .ignored, reusesConnection: false)))
        #expect(connecting.clientClosed() == .none)
        #expect(connecting.connected(attempt: 1) == .returnToPool)
        #expect(connecting.connectFailed(attempt: 1, "late") == .none)

        var sent = Self.sent()
        #expect(sent.clientClosed() == .abandon(AttemptSettlement(attempt: 1, outcome: .ignored, reusesConnection: false)))
        #expect(sent.upstreamHeadReceived(Self.head(.ok)) == .none)
        #expect(sent.deadlinePassed() == .none)
    }

    @Test("a target picked after the exchange ended is settled at once")
    func lateTargetSettled() {
        var machine = ExchangeStateMachine(method: .GET)
        _ = machine.headAccepted(Self.request(), policy: Self.policy(), now: Self.now)
        _ = machine.clientClosed()
        #expect(machine.targetPicked(number: 0, now: Self.now) == .settle(AttemptSettlement(attempt: 0, outcome: .ignored, reusesConnection: false)))
    }

    @Test("a complete response returns a kept-alive connection to the pool and succeeds the attempt")
    func responseCompletes() {
        var machine = Self.sent()
        let head = Self.head(.ok)
        _ = machine.upstreamHeadReceived(head)
        #expect(machine.upstreamBodyReceived(Self.bytes(2), now: Self.now) == .forwardResponseBody(Self.bytes(2), head: head))
        #expect(machine.upstreamReadCompleted(now: Self.now) == .flushResponse(head: nil))
        #expect(machine.upstreamEnded() == .finishResponse(
            head: nil, AttemptSettlement(attempt: 1, outcome: .succeeded, reusesConnection: true),
            .init(requestComplete: true, close: false, unreadBody: 0)
        ))
        #expect(machine.responseBytes == 2)
    }

    @Test("a connection is not reused when the request did not end on it or the response was not framed")
    func connectionNotReused() {
        var unended = Self.connecting(request: Self.request(.chunked))
        _ = unended.connected(attempt: 1)
        _ = unended.upstreamHeadReceived(Self.head(.ok))
        guard case .finishResponse(_, let settlement, let completion) = unended.upstreamEnded() else {
            Issue.record("expected the response to finish")
            return
        }
        #expect(!settlement.reusesConnection)
        #expect(completion == .init(requestComplete: false, close: false, unreadBody: nil))

        var unframed = Self.sent()
        _ = unframed.upstreamHeadReceived(Self.head(.ok, []))
        guard case .finishResponse(_, let settlement, _) = unframed.upstreamEnded() else {
            Issue.record("expected the response to finish")
            return
        }
        #expect(!settlement.reusesConnection)
    }

    @Test("body limits: a declared length over the limit and a streamed body over it get 413 and a close")
    func bodyLimits() {
        var declared = ExchangeStateMachine(method: .POST)
        guard case .answer(.declaredBodyTooLarge(length: 100, limit: 50), nil, let completion) =
            declared.headAccepted(Self.request(.length(100), maxBody: 50), policy: Self.policy(), now: Self.now) else {
            Issue.record("expected a 413")
            return
        }
        #expect(completion.close)

        var streamed = Self.connecting(request: Self.request(.chunked, maxBody: 50))
        #expect(streamed.requestBodyReceived(Self.bytes(40)) == .none)
        guard case .answer(.bodyTooLarge(limit: 50), let settlement, let completion) = streamed.requestBodyReceived(Self.bytes(20)) else {
            Issue.record("expected a 413")
            return
        }
        #expect(settlement == AttemptSettlement(attempt: 1, outcome: .succeeded, reusesConnection: false))
        #expect(completion.close)
    }

    @Test("a stalled body after the response started cuts it")
    func stalledBodyAfterResponse() {
        var machine = Self.connecting(request: Self.request(.chunked))
        _ = machine.connected(attempt: 1)
        _ = machine.upstreamHeadReceived(Self.head(.ok))
        #expect(machine.requestBodyFailed(.requestTimeout, message: "stalled") == .abortResponse(
            AttemptSettlement(attempt: 1, outcome: .succeeded, reusesConnection: false)
        ))
    }

    @Test("client reads wait for a connection that is not writable, or for too much unsent body")
    func readHolding() {
        var machine = Self.connecting(Self.policy(bufferLimit: 8), request: Self.request(.chunked), method: .PUT)
        #expect(!machine.shouldHoldClientReads(upstreamIsWritable: true))
        _ = machine.requestBodyReceived(Self.bytes(9))
        #expect(machine.shouldHoldClientReads(upstreamIsWritable: true))
        _ = machine.connected(attempt: 1)
        #expect(!machine.shouldHoldClientReads(upstreamIsWritable: true))
        #expect(machine.shouldHoldClientReads(upstreamIsWritable: false))
        _ = machine.clientClosed()
        #expect(!machine.shouldHoldClientReads(upstreamIsWritable: false))
    }

    @Test("no route: 404 without closing; a rejected head: its status and a close")
    func localAnswers() {
        var unrouted = ExchangeStateMachine(method: .GET)
        guard case .answer(.noRoute, nil, let completion) = unrouted.headAccepted(Self.request(), policy: nil, now: Self.now) else {
            Issue.record("expected a 404")
            return
        }
        #expect(ExchangeAnswer.noRoute.status == .notFound)
        #expect(!completion.close)

        var rejected = ExchangeStateMachine(method: .GET)
        guard case .answer(.rejected(.badRequest, message: "no Host"), nil, let closing) = rejected.headRejected(.badRequest, message: "no Host") else {
            Issue.record("expected a 400")
            return
        }
        #expect(closing.close)
        #expect(rejected.requestBodyReceived(Self.bytes(1)) == .none)
    }

    @Test("no target available: 503")
    func noTarget() {
        var machine = ExchangeStateMachine(method: .GET)
        _ = machine.headAccepted(Self.request(), policy: Self.policy(), now: Self.now)
        guard case .answer(.noTargetAvailable, nil, _) = machine.noTargetAvailable() else {
            Issue.record("expected a 503")
            return
        }
        #expect(machine.responseStatus == 503)
    }
}
