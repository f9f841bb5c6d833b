@testable import BulwarkGateway
import NIOCore
import NIOHTTP1
import Resilience
import Testing

/// The exchange machine's streaming decisions, called directly with fixed times: when a response
/// streams, the whole-request deadline stops and the stream idle deadline is armed, moved and enforced.
@Suite("Exchange state machine: streaming responses")
struct StreamingExchangeMachineTests {
    static let second: Int64 = 1_000_000_000
    static let millisecond: Int64 = 1_000_000
    static let t0: Int64 = 10 * second
    static let idle: Int64 = 300 * millisecond

    static func policy(streaming: Bool = false) -> ExchangePolicy {
        ExchangePolicy(
            checksRateLimits: false, requestTimeout: 5 * second, perTryTimeout: nil, maxAttempts: 3,
            retriesMethod: true, retryStatuses: [502, 503, 504], replayBufferLimit: 1024,
            backoff: .constant(.zero), streamsResponses: streaming, streamIdleTimeout: idle
        )
    }

    static func head(_ contentType: String?) -> HTTPResponseHead {
        var headers = HTTPHeaders([("Transfer-Encoding", "chunked")])
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        return HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
    }

    static let event = ByteBuffer(string: "data: 1\n\n")

    /// A machine whose bodiless GET went upstream at `t0` and got `head` (held).
    static func headReceived(_ head: HTTPResponseHead, policy: ExchangePolicy = policy()) -> ExchangeStateMachine {
        var machine = ExchangeStateMachine(method: .GET)
        #expect(machine.headAccepted(ExchangeRequest(framing: .none, expectsContinue: false, maxBodyBytes: 0), policy: policy, now: t0) == .admit(sendContinue: false, deadline: t0 + 5 * second))
        #expect(machine.targetPicked(number: 0, now: t0) == .connect(attempt: 1, perTryDeadline: nil))
        #expect(machine.requestEnded() == .none)
        #expect(machine.connected(attempt: 1) == .sendRequest(body: [], end: true))
        #expect(machine.upstreamHeadReceived(head) == .cancelPerTryTimer)
        return machine
    }

    @Test("a text/event-stream head starts a stream when it is relayed: deadline stopped, idle timer armed")
    func eventStreamStarts() {
        let head = Self.head("text/event-stream")
        var machine = Self.headReceived(head)
        let now = Self.t0 + 20 * Self.millisecond
        #expect(machine.upstreamBodyReceived(Self.event, now: now) == .startStreaming(head: head, body: Self.event, idleDeadline: now + Self.idle))
        #expect(machine.upstreamReadCompleted(now: now) == .flushResponse(head: nil))
        // Past the whole-request deadline the stream goes on; a timer that fired anyway changes nothing.
        #expect(machine.deadlinePassed() == .none)
        #expect(machine.upstreamBodyReceived(Self.event, now: Self.t0 + 6 * Self.second) == .forwardResponseBody(Self.event, head: nil))
        #expect(machine.state == .streaming(.init(number: 1, headReceived: true), heldHead: nil))
    }

    @Test("the idle timer is re-armed after the last bytes, and cuts the stream when none came for the idle timeout")
    func idleTimerRearmsThenCuts() {
        var machine = Self.headReceived(Self.head("text/event-stream"))
        let start = Self.t0 + Self.millisecond
        guard case .startStreaming(_, nil, let firstDeadline) = machine.upstreamReadCompleted(now: start) else {
            Issue.record("no stream started")
            return
        }
        #expect(firstDeadline == start + Self.idle)
        let bytesAt = start + 250 * Self.millisecond
        #expect(machine.upstreamBodyReceived(Self.event, now: bytesAt) == .forwardResponseBody(Self.event, head: nil))
        // Not yet: bytes came 50 ms before the first deadline.
        #expect(machine.streamIdleTimerFired(now: firstDeadline) == .armStreamIdleTimer(at: bytesAt + Self.idle))
        #expect(machine.streamIdleTimerFired(now: bytesAt + Self.idle - 1) == .armStreamIdleTimer(at: bytesAt + Self.idle))
        // Now: 300 ms without a byte.
        #expect(machine.streamIdleTimerFired(now: bytesAt + Self.idle) == .abortResponse(
            AttemptSettlement(attempt: 1, outcome: .failed(.streamIdleTimeout), reusesConnection: false)
        ))
        #expect(machine.isFinished)
        #expect(machine.responseStatus == 200)
        #expect(machine.streamIdleTimerFired(now: bytesAt + 2 * Self.idle) == .none)
    }

    @Test("streaming: true streams any response; without it a chunked response keeps the whole-request deadline")
    func routeFlag() {
        let head = Self.head("application/x-ndjson")
        var streaming = Self.headReceived(head, policy: Self.policy(streaming: true))
        #expect(streaming.upstreamReadCompleted(now: Self.t0) == .startStreaming(head: head, body: nil, idleDeadline: Self.t0 + Self.idle))
        #expect(streaming.deadlinePassed() == .none)

        var plain = Self.headReceived(head)
        #expect(plain.upstreamBodyReceived(Self.event, now: Self.t0) == .forwardResponseBody(Self.event, head: head))
        #expect(plain.streamIdleTimerFired(now: Self.t0 + Self.second) == .none)
        #expect(plain.deadlinePassed() == .abortResponse(AttemptSettlement(attempt: 1, outcome: .failed(.requestTimeout), reusesConnection: false)))
    }

    @Test("a streaming response that ends is finished as usual; a late idle timer changes nothing")
    func streamEnds() {
        var machine = Self.headReceived(Self.head("text/event-stream"))
        _ = machine.upstreamBodyReceived(Self.event, now: Self.t0)
        guard case .finishResponse(nil, let settlement, _) = machine.upstreamEnded() else {
            Issue.record("not finished")
            return
        }
        #expect(settlement == AttemptSettlement(attempt: 1, outcome: .succeeded, reusesConnection: true))
        #expect(machine.streamIdleTimerFired(now: Self.t0 + Self.second) == .none)
    }

    @Test("a streaming head withdrawn before it was relayed keeps the whole-request deadline for the retry")
    func withdrawnHeadKeepsDeadline() {
        var machine = Self.headReceived(Self.head("text/event-stream"))
        #expect(machine.upstreamFailed("reset", malformed: false) == .askRetryBudget)
        #expect(machine.stream == nil)
        guard case .answer(.requestTimedOut, _, _) = machine.deadlinePassed() else {
            Issue.record("the deadline no longer applies")
            return
        }
    }

    @Test("a response ended in its first read batch never starts a stream")
    func wholeResponseInOneBatch() {
        let head = Self.head("text/event-stream")
        var machine = Self.headReceived(head)
        guard case .finishResponse(head?, _, _) = machine.upstreamEnded() else {
            Issue.record("not finished with its head")
            return
        }
        #expect(machine.stream == nil)
    }

    @Test("text/event-stream is recognised with parameters and in any case, and nothing else is")
    func eventStreamContentType() {
        #expect(ExchangeStateMachine.isEventStream(Self.head("text/event-stream")))
        #expect(ExchangeStateMachine.isEventStream(Self.head("Text/Event-Stream; charset=utf-8")))
        #expect(ExchangeStateMachine.isEventStream(Self.head(" text/event-stream ;charset=utf-8")))
        #expect(!ExchangeStateMachine.isEventStream(Self.head("text/event-streams")))
        #expect(!ExchangeStateMachine.isEventStream(Self.head("text/plain")))
        #expect(!ExchangeStateMachine.isEventStream(Self.head(nil)))
    }
}
