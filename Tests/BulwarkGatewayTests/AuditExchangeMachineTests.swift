@testable import BulwarkGateway
import NIOCore
import NIOHTTP1
import Resilience
import Testing

/// The exchange machine on audited routes (`audit:`): what is held while the `request` record is
/// written, and what the record's outcome releases.
@Suite("Exchange state machine: audited responses")
struct AuditExchangeMachineTests {
    typealias Base = ExchangeStateMachineTests
    static let now = Base.now

    static func policy(sync: Bool = true, reject: Bool = true, streams: Bool = false) -> ExchangePolicy {
        var policy = Base.policy()
        policy.audit = ExchangeAuditPolicy(waitsForDisk: sync, rejectsOnFailure: reject)
        policy.streamsResponses = streams
        return policy
    }

    /// A POST whose first attempt sent a bodiless request and got `head`: recording its record.
    static func recording(_ policy: ExchangePolicy = policy(), head: HTTPResponseHead = Base.head(.ok)) -> ExchangeStateMachine {
        var machine = Base.sent(policy, method: .POST)
        #expect(machine.upstreamHeadReceived(head) == .recordAudit(head: head, attempt: 1, waitForDisk: true))
        return machine
    }

    static let completion = ExchangeStateMachine.ResponseCompletion(requestComplete: true, close: false, unreadBody: 0)

    @Test("sync: the head waits for the record; body and end kept meanwhile are released in order, then the attempt settles")
    func heldUntilRecorded() {
        var machine = Self.recording()
        #expect(machine.responseStarted)
        let first = Base.bytes(1), second = Base.bytes(1)
        #expect(machine.upstreamBodyReceived(first, now: Self.now) == .none)
        #expect(machine.upstreamReadCompleted(now: Self.now) == .none)
        #expect(machine.upstreamBodyReceived(second, now: Self.now) == .none)
        #expect(machine.upstreamEnded() == .none)
        #expect(machine.auditRecorded(attempt: 2, now: Self.now) == .none)   // another attempt's record
        let settlement = AttemptSettlement(attempt: 1, outcome: .succeeded, reusesConnection: true)
        #expect(machine.auditRecorded(attempt: 1, now: Self.now) == .releaseResponse(head: Base.head(.ok), body: [first, second], .finish(settlement, Self.completion)))
        #expect(machine.isFinished)
        #expect(machine.auditRecorded(attempt: 1, now: Self.now) == .none)
    }

    @Test("sync: released before the end, the response goes on as usual; a streaming one starts its stream")
    func releasedMidResponse() {
        var machine = Self.recording()
        #expect(machine.auditRecorded(attempt: 1, now: Self.now) == .releaseResponse(head: Base.head(.ok), body: [], .flush))
        #expect(machine.upstreamBodyReceived(Base.bytes(2), now: Self.now) == .forwardResponseBody(Base.bytes(2), head: nil))

        var streaming = Self.recording(Self.policy(streams: true))
        let idle = Self.now + (streaming.policy?.streamIdleTimeout ?? 0)
        #expect(streaming.auditRecorded(attempt: 1, now: Self.now) == .releaseResponse(head: Base.head(.ok), body: [], .startStreaming(idleDeadline: idle)))
        #expect(streaming.stream != nil)
    }

    @Test("sync, reject: a record that fails answers 503 and settles the attempt once, its connection closed")
    func failedRecordRejects() {
        var machine = Self.recording()
        #expect(machine.upstreamBodyReceived(Base.bytes(2), now: Self.now) == .none)
        let settlement = AttemptSettlement(attempt: 1, outcome: .succeeded, reusesConnection: false)
        let close = ExchangeStateMachine.ResponseCompletion(requestComplete: true, close: false, unreadBody: 0)
        #expect(machine.auditFailed(attempt: 1, now: Self.now) == .answer(.auditUnavailable, settlement, close))
        #expect(machine.responseStatus == 503)
        #expect(machine.auditFailed(attempt: 1, now: Self.now) == .none)
        #expect(machine.upstreamEnded() == .none)
        #expect(machine.clientClosed() == .none)
        #expect(ExchangeAnswer.auditUnavailable.status == .serviceUnavailable)
    }

    @Test("sync, pass: a record that fails releases the response as if it had been written")
    func failedRecordPasses() {
        var machine = Self.recording(Self.policy(reject: false))
        #expect(machine.upstreamEnded() == .none)
        let settlement = AttemptSettlement(attempt: 1, outcome: .succeeded, reusesConnection: true)
        #expect(machine.auditFailed(attempt: 1, now: Self.now) == .releaseResponse(head: Base.head(.ok), body: [], .finish(settlement, Self.completion)))
    }

    @Test("sync: an upstream failure, the deadline or a client close before the release behave as for a held head")
    func failuresWhileRecording() {
        var failing = Self.recording()
        #expect(failing.upstreamFailed("reset", malformed: false) == .askRetryBudget)
        #expect(!failing.responseStarted)
        #expect(failing.auditRecorded(attempt: 1, now: Self.now) == .none)

        var late = Self.recording()
        let timedOut = AttemptSettlement(attempt: 1, outcome: .failed(.requestTimeout), reusesConnection: false)
        #expect(late.deadlinePassed() == .answer(.requestTimedOut, timedOut, Self.completion))

        var closed = Self.recording()
        #expect(closed.clientClosed() == .abandon(AttemptSettlement(attempt: 1, outcome: .ignored, reusesConnection: false)))
        #expect(closed.auditRecorded(attempt: 1, now: Self.now) == .none)
    }

    @Test("sync: the client's body still goes upstream while the head waits")
    func requestBodyWhileRecording() {
        var machine = Base.connecting(Self.policy(), request: Base.request(.length(4)), method: .POST)
        #expect(machine.connected(attempt: 1) == .sendRequest(body: [], end: false))
        #expect(machine.upstreamHeadReceived(Base.head(.ok)) == .recordAudit(head: Base.head(.ok), attempt: 1, waitForDisk: true))
        #expect(machine.requestBodyReceived(Base.bytes(4)) == .forwardRequestBody(Base.bytes(4)))
        #expect(machine.requestEnded() == .sendRequestEnd)
        #expect(machine.shouldHoldClientReads(upstreamIsWritable: false))
    }

    @Test("async: the record is written and the head is held only as usual")
    func asyncNeverHolds() {
        var machine = Base.sent(Self.policy(sync: false), method: .POST)
        #expect(machine.upstreamHeadReceived(Base.head(.ok)) == .recordAudit(head: Base.head(.ok), attempt: 1, waitForDisk: false))
        #expect(machine.upstreamBodyReceived(Base.bytes(2), now: Self.now) == .forwardResponseBody(Base.bytes(2), head: Base.head(.ok)))
    }

    @Test("a retryable status is not recorded; the retry's head is")
    func retriedStatusNotRecorded() {
        var machine = Base.sent(Self.policy(), method: .POST)
        #expect(machine.upstreamHeadReceived(Base.head(.badGateway)) == .askRetryBudget)
        _ = Base.retryGranted(&machine)
        #expect(machine.backoffElapsed() == .pickTarget(excluding: 1))
        #expect(machine.targetPicked(number: 1, now: Self.now) == .connect(attempt: 2, perTryDeadline: nil))
        #expect(machine.connected(attempt: 2) == .sendRequest(body: [], end: true))
        #expect(machine.upstreamHeadReceived(Base.head(.ok)) == .recordAudit(head: Base.head(.ok), attempt: 2, waitForDisk: true))
        #expect(machine.auditRecorded(attempt: 1, now: Self.now) == .none)
    }

    @Test("reject: with the journal down the request is answered 503 before it goes upstream")
    func refusedUpfront() {
        var machine = ExchangeStateMachine(method: .POST)
        let action = machine.auditRefused(request: Base.request(.length(10)))
        #expect(action == .answer(.auditUnavailable, nil, .init(requestComplete: false, close: false, unreadBody: 10)))
        #expect(machine.attempts == 0)
    }
}
