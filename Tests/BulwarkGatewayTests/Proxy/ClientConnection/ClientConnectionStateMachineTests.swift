@testable import BulwarkGateway
import NIOCore
import NIOHTTP1
import Testing

/// The client-connection machine, called directly: each test feeds events and checks the actions.
@Suite("Client connection state machine")
struct ClientConnectionStateMachineTests {
    static let second: UInt64 = 1_000_000_000
    static let limits = ClientConnectionLimits(
        idleTimeout: 60 * second, bodyIdleTimeout: 30 * second, discardBodyLimit: 100, maxPipelinedRequests: 2
    )

    static func head(_ uri: String) -> HTTPServerRequestPart {
        .head(HTTPRequestHead(version: .http1_1, method: .POST, uri: uri))
    }

    static func body(_ count: Int) -> HTTPServerRequestPart {
        .body(ByteBuffer(repeating: UInt8(ascii: "x"), count: count))
    }

    static func requestHead(_ part: HTTPServerRequestPart) -> HTTPRequestHead {
        guard case .head(let head) = part else { fatalError("not a head") }
        return head
    }

    /// A machine with one request started (head delivered to an exchange) at `now`.
    static func withRequest(_ uri: String = "/a", now: UInt64 = 0, limits: ClientConnectionLimits = limits) -> ClientConnectionStateMachine {
        var machine = ClientConnectionStateMachine(limits: limits)
        _ = machine.connectionStarted(now: now)
        _ = machine.requestPartReceived(head(uri), now: now)
        return machine
    }

    /// A machine whose first request is complete and awaits its response.
    static func awaitingResponse(now: UInt64 = 0) -> ClientConnectionStateMachine {
        var machine = withRequest(now: now)
        _ = machine.requestPartReceived(.end(nil), now: now)
        return machine
    }

    // MARK: One request

    @Test("a request's parts go to its exchange; its response ends and the connection is idle again")
    func oneRequest() {
        var machine = ClientConnectionStateMachine(limits: Self.limits)
        let head = Self.head("/a")
        #expect(machine.requestPartReceived(head, now: 1) == .startExchange(Self.requestHead(head)))
        let body = Self.body(10)
        guard case .body(let buffer) = body else { return }
        #expect(machine.requestPartReceived(body, now: 2) == .forwardBody(buffer))
        #expect(machine.requestPartReceived(.end(nil), now: 3) == .forwardEnd)
        #expect(machine.responseHeadReady(gatewayDraining: false) == .writeResponseHead(connectionClose: false))
        #expect(machine.isWritingResponse)
        #expect(machine.responseFinished(close: false, unreadBody: 0, now: 4) == .writeResponseEnd(thenClose: false, deliverQueued: false))
        #expect(machine.state == .idle)
        #expect(!machine.hasOpenExchange)
    }

    @Test("Connection: close from the exchange, or a draining gateway, closes after the response")
    func closeAfterResponse() {
        var requested = Self.awaitingResponse()
        requested.closeAfterResponseRequested()
        #expect(requested.responseHeadReady(gatewayDraining: false) == .writeResponseHead(connectionClose: true))
        #expect(requested.responseFinished(close: false, unreadBody: 0, now: 1) == .writeResponseEnd(thenClose: true, deliverQueued: false))
        #expect(requested.state == .closing(exchangeOpen: false))

        var draining = Self.awaitingResponse()
        #expect(draining.responseHeadReady(gatewayDraining: true) == .writeResponseHead(connectionClose: true))
        #expect(draining.responseFinished(close: false, unreadBody: 0, now: 1) == .writeResponseEnd(thenClose: true, deliverQueued: false))

        var exchangeCloses = Self.awaitingResponse()
        _ = exchangeCloses.responseHeadReady(gatewayDraining: false)
        #expect(exchangeCloses.responseFinished(close: true, unreadBody: 0, now: 1) == .writeResponseEnd(thenClose: true, deliverQueued: false))
    }

    @Test("after the last request of a closing connection, nothing more is queued or read")
    func nothingAfterLastRequest() {
        var machine = Self.withRequest()
        machine.closeAfterResponseRequested()
        // The body of the last request itself is still read and forwarded.
        #expect(machine.readRequested(upstreamBackpressure: false) == .read)
        #expect(machine.requestPartReceived(Self.body(5), now: 1) == .forwardBody(ByteBuffer(repeating: UInt8(ascii: "x"), count: 5)))
        #expect(machine.requestPartReceived(.end(nil), now: 1) == .forwardEnd)
        #expect(machine.requestPartReceived(Self.head("/next"), now: 2) == .none)
        #expect(machine.queue.isEmpty)
        #expect(machine.readRequested(upstreamBackpressure: false) == .holdReads)
    }

    // MARK: Idle timeout

    @Test("an idle connection closes after server.idle_timeout, counted from the last response")
    func idleTimeout() {
        let timeout = Self.limits.idleTimeout
        var machine = ClientConnectionStateMachine(limits: Self.limits)
        #expect(machine.connectionStarted(now: 100) == .armIdleTimer(deadline: 100 + timeout))
        // A timer that fires early (or late after activity) re-arms for the real deadline.
        #expect(machine.idleTimerFired(now: 100 + timeout - 1) == .armIdleTimer(deadline: 100 + timeout))
        #expect(machine.idleTimerFired(now: 100 + timeout) == .close)
        #expect(machine.state == .closing(exchangeOpen: false))
        #expect(machine.idleTimerFired(now: 100 + 2 * timeout) == .none)
    }

    @Test("a connection with a request in progress is never idle; the clock restarts at the response's end")
    func notIdleDuringRequest() {
        let timeout = Self.limits.idleTimeout
        var machine = Self.awaitingResponse(now: 0)
        #expect(machine.idleTimerFired(now: timeout) == .armIdleTimer(deadline: 2 * timeout))
        _ = machine.responseHeadReady(gatewayDraining: false)
        _ = machine.responseFinished(close: false, unreadBody: 0, now: timeout + 5)
        #expect(machine.idleTimerFired(now: 2 * timeout) == .armIdleTimer(deadline: 2 * timeout + 5))
        #expect(machine.idleTimerFired(now: 2 * timeout + 5) == .close)
    }

    // MARK: Body stall

    @Test("a body that stalls for server.body_idle_timeout gets 408 from the exchange")
    func bodyStall() {
        let timeout = Self.limits.bodyIdleTimeout
        var machine = Self.withRequest(now: 0)
        #expect(machine.readComplete(now: 10) == .armBodyTimer(deadline: 10 + timeout))
        #expect(machine.readComplete(now: 11) == .none)  // one timer at a time
        _ = machine.requestPartReceived(Self.body(3), now: 20)
        #expect(machine.bodyTimerFired(now: 10 + timeout) == .armBodyTimer(deadline: 20 + timeout))
        #expect(machine.bodyTimerFired(now: 20 + timeout) == .failStalledBody)
    }

    @Test("reads held back for upstream backpressure are not the client's stall")
    func backpressureIsNotAStall() {
        let timeout = Self.limits.bodyIdleTimeout
        var machine = Self.withRequest(now: 0)
        _ = machine.readComplete(now: 0)
        #expect(machine.readRequested(upstreamBackpressure: true) == .holdReads)
        #expect(machine.readPending)
        #expect(machine.bodyTimerFired(now: 5 * timeout) == .armBodyTimer(deadline: 6 * timeout))
        // Still held: nothing resumes.
        #expect(machine.readResumptionRequested(upstreamBackpressure: true, now: 6 * timeout) == .none)
        // Reads resume: the stall clock starts again there.
        #expect(machine.readResumptionRequested(upstreamBackpressure: false, now: 6 * timeout) == .read)
        #expect(machine.bodyTimerFired(now: 6 * timeout) == .armBodyTimer(deadline: 7 * timeout))
        #expect(machine.bodyTimerFired(now: 7 * timeout) == .failStalledBody)
    }

    @Test("a complete request has no body timer; a stalled discarded body closes the connection")
    func bodyTimerOutsideBodies() {
        let timeout = Self.limits.bodyIdleTimeout
        var complete = Self.awaitingResponse()
        #expect(complete.readComplete(now: 0) == .none)

        var discarding = Self.withRequest()
        _ = discarding.responseHeadReady(gatewayDraining: false)
        _ = discarding.responseFinished(close: false, unreadBody: 10, now: 0)
        #expect(discarding.state == .discarding(budget: 100))
        #expect(discarding.readComplete(now: 0) == .armBodyTimer(deadline: timeout))
        #expect(discarding.bodyTimerFired(now: timeout) == .close)
    }

    // MARK: Pipelining

    @Test("pipelined requests wait behind the response in progress and are handed over in order")
    func pipelinedOrder() {
        var machine = Self.awaitingResponse()
        let second = Self.head("/b")
        let third = Self.head("/c")
        #expect(machine.requestPartReceived(second, now: 1) == .queued)
        #expect(machine.requestPartReceived(Self.body(4), now: 1) == .queued)
        #expect(machine.requestPartReceived(.end(nil), now: 1) == .queued)
        #expect(machine.requestPartReceived(third, now: 1) == .queued)
        #expect(machine.requestPartReceived(.end(nil), now: 1) == .queued)
        #expect(machine.queue.requests == 2)
        #expect(machine.queue.bodyBytes == 4)

        _ = machine.responseHeadReady(gatewayDraining: false)
        #expect(machine.responseFinished(close: false, unreadBody: 0, now: 2) == .writeResponseEnd(thenClose: false, deliverQueued: true))
        #expect(machine.nextQueuedPart(now: 2) == .startExchange(Self.requestHead(second)))
        #expect(machine.nextQueuedPart(now: 2) == .forwardBody(ByteBuffer(repeating: UInt8(ascii: "x"), count: 4)))
        #expect(machine.nextQueuedPart(now: 2) == .forwardEnd)
        // The second request awaits its response: the third waits.
        #expect(machine.nextQueuedPart(now: 2) == .none)
        #expect(machine.queue.requests == 1)

        _ = machine.responseHeadReady(gatewayDraining: false)
        #expect(machine.responseFinished(close: false, unreadBody: 0, now: 3) == .writeResponseEnd(thenClose: false, deliverQueued: true))
        #expect(machine.nextQueuedPart(now: 3) == .startExchange(Self.requestHead(third)))
        #expect(machine.nextQueuedPart(now: 3) == .forwardEnd)
        #expect(machine.nextQueuedPart(now: 3) == .none)
        #expect(machine.queue.isEmpty)
    }

    @Test("reads pause at server.max_pipelined_requests queued heads and resume below it")
    func pipelinedRequestLimit() {
        var machine = Self.awaitingResponse()
        _ = machine.requestPartReceived(Self.head("/b"), now: 1)
        #expect(machine.readRequested(upstreamBackpressure: false) == .read)
        _ = machine.requestPartReceived(.end(nil), now: 1)
        _ = machine.requestPartReceived(Self.head("/c"), now: 1)
        _ = machine.requestPartReceived(.end(nil), now: 1)
        #expect(machine.readRequested(upstreamBackpressure: false) == .holdReads)
        #expect(machine.readResumptionRequested(upstreamBackpressure: false, now: 1) == .none)

        _ = machine.responseHeadReady(gatewayDraining: false)
        _ = machine.responseFinished(close: false, unreadBody: 0, now: 2)
        while machine.nextQueuedPart(now: 2) != .none {}
        #expect(machine.queue.requests == 1)
        #expect(machine.readResumptionRequested(upstreamBackpressure: false, now: 2) == .read)
    }

    @Test("reads pause when more than 64 KiB of pipelined body waits")
    func pipelinedBodyLimit() {
        var machine = Self.awaitingResponse()
        _ = machine.requestPartReceived(Self.head("/b"), now: 1)
        _ = machine.requestPartReceived(Self.body(ClientConnectionLimits.defaultMaxQueuedBodyBytes), now: 1)
        #expect(machine.readRequested(upstreamBackpressure: false) == .read)
        _ = machine.requestPartReceived(Self.body(1), now: 1)
        #expect(machine.readRequested(upstreamBackpressure: false) == .holdReads)
    }

    @Test("a response finished while queued parts are handed over continues the same loop")
    func nestedFinishDoesNotRecurse() {
        var machine = Self.awaitingResponse()
        for uri in ["/b", "/c"] {
            _ = machine.requestPartReceived(Self.head(uri), now: 1)
            _ = machine.requestPartReceived(.end(nil), now: 1)
        }
        _ = machine.responseHeadReady(gatewayDraining: false)
        #expect(machine.responseFinished(close: false, unreadBody: 0, now: 2) == .writeResponseEnd(thenClose: false, deliverQueued: true))
        #expect(machine.nextQueuedPart(now: 2) == .startExchange(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/b")))
        // The exchange answers at once (a local 404), inside the loop: no second loop is started.
        _ = machine.responseHeadReady(gatewayDraining: false)
        #expect(machine.responseFinished(close: false, unreadBody: 0, now: 2) == .writeResponseEnd(thenClose: false, deliverQueued: false))
        #expect(machine.state == .discarding(budget: 100))
        // The outer loop goes on: /b's end is dropped, /c starts.
        #expect(machine.nextQueuedPart(now: 2) == .startExchange(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/c")))
    }

    // MARK: Discarding

    @Test("an early answer reads and drops the rest of the body within server.discard_body_limit")
    func discardWithinBudget() {
        var machine = Self.withRequest()
        _ = machine.responseHeadReady(gatewayDraining: false)
        #expect(machine.responseFinished(close: false, unreadBody: 99, now: 1) == .writeResponseEnd(thenClose: false, deliverQueued: false))
        #expect(machine.requestPartReceived(Self.body(60), now: 2) == .none)
        #expect(machine.requestPartReceived(Self.body(39), now: 2) == .none)
        #expect(machine.requestPartReceived(.end(nil), now: 2) == .none)
        #expect(machine.state == .idle)
        let next = Self.head("/next")
        #expect(machine.requestPartReceived(next, now: 3) == .startExchange(Self.requestHead(next)))
    }

    @Test("a body beyond server.discard_body_limit closes: known up front, or once it is exceeded")
    func discardBeyondBudget() {
        var known = Self.withRequest()
        _ = known.responseHeadReady(gatewayDraining: false)
        #expect(known.responseFinished(close: false, unreadBody: 100, now: 1) == .writeResponseEnd(thenClose: true, deliverQueued: false))

        var unknown = Self.withRequest()
        _ = unknown.responseHeadReady(gatewayDraining: false)
        #expect(unknown.responseFinished(close: false, unreadBody: nil, now: 1) == .writeResponseEnd(thenClose: false, deliverQueued: false))
        #expect(unknown.requestPartReceived(Self.body(100), now: 2) == .none)
        #expect(unknown.requestPartReceived(Self.body(1), now: 2) == .close)
        #expect(unknown.requestPartReceived(.end(nil), now: 2) == .none)
    }

    // MARK: Errors

    @Test("bytes broken after a complete request: it still gets its answer, nothing after it is read, then close")
    func errorAfterCompleteRequest() {
        var machine = Self.awaitingResponse()
        _ = machine.requestPartReceived(Self.head("/b"), now: 1)
        _ = machine.requestPartReceived(.end(nil), now: 1)
        #expect(machine.errorCaught(.malformedRequest("bad")) == .none)
        #expect(machine.queue.isEmpty)
        #expect(machine.requestPartReceived(Self.head("/c"), now: 1) == .none)
        #expect(machine.readRequested(upstreamBackpressure: false) == .holdReads)
        #expect(machine.responseHeadReady(gatewayDraining: false) == .writeResponseHead(connectionClose: true))
        #expect(machine.responseFinished(close: false, unreadBody: 0, now: 2) == .writeResponseEnd(thenClose: true, deliverQueued: false))
    }

    @Test("a parser error is answered with its status and closes; mid-body it abandons the exchange")
    func parserErrors() {
        var idle = ClientConnectionStateMachine(limits: Self.limits)
        #expect(idle.errorCaught(.headerFieldsTooLarge) == .answerAndClose(.headerFieldsTooLarge, cancelExchange: false))
        #expect(idle.state == .closing(exchangeOpen: false))

        var midBody = Self.withRequest()
        #expect(midBody.errorCaught(.malformedRequest("bad chunk")) == .answerAndClose(.malformedRequest("bad chunk"), cancelExchange: true))
        #expect(!midBody.hasOpenExchange)

        var socketFailed = Self.withRequest()
        #expect(socketFailed.errorCaught(.connectionFailed) == .close)
        #expect(socketFailed.clientClosed() == .cancelExchange)
    }

    @Test("the error classes map to 408, 431 and 400; a socket failure is not answered")
    func errorStatuses() {
        #expect(ClientConnectionError(HTTPParserError.headerOverflow) == .headerFieldsTooLarge)
        #expect(ClientConnectionError(HTTPParserError.unexpectedContentLength) == .ambiguousFraming)
        #expect(ClientConnectionError(HTTPParserError.invalidChunkSize) == .malformedRequest("\(HTTPParserError.invalidChunkSize)"))
        #expect(ClientConnectionError(ChannelError.ioOnClosedChannel) == .connectionFailed)
        #expect(ClientConnectionError.headTimedOut.status == .requestTimeout)
        #expect(ClientConnectionError.headerFieldsTooLarge.status == .requestHeaderFieldsTooLarge)
        #expect(ClientConnectionError.ambiguousFraming.status == .badRequest)
        #expect(ClientConnectionError.connectionFailed.status == nil)
    }

    // MARK: Quiesce and head timeout

    @Test("quiescing closes an idle connection at once and a busy one after its response")
    func quiesce() {
        var idle = ClientConnectionStateMachine(limits: Self.limits)
        #expect(idle.quiesceRequested() == .close)

        var busy = Self.withRequest()
        #expect(busy.quiesceRequested() == .none)
        #expect(busy.requestPartReceived(.end(nil), now: 1) == .forwardEnd)
        #expect(busy.responseHeadReady(gatewayDraining: false) == .writeResponseHead(connectionClose: true))
        #expect(busy.responseFinished(close: false, unreadBody: 0, now: 1) == .writeResponseEnd(thenClose: true, deliverQueued: false))
    }

    @Test("a slow head gets 408 when idle; behind a request in progress, the connection closes after it")
    func headTimeout() {
        var idle = ClientConnectionStateMachine(limits: Self.limits)
        #expect(idle.headTimedOut() == .answerAndClose(.headTimedOut, cancelExchange: false))

        var busy = Self.awaitingResponse()
        #expect(busy.headTimedOut() == .none)
        #expect(busy.responseHeadReady(gatewayDraining: false) == .writeResponseHead(connectionClose: true))
    }

    // MARK: One answer per request

    @Test("a second answer is never written: the connection closes instead")
    func secondAnswer() {
        var twice = Self.awaitingResponse()
        #expect(twice.responseHeadReady(gatewayDraining: false) == .writeResponseHead(connectionClose: false))
        #expect(twice.responseHeadReady(gatewayDraining: false) == .close)
        #expect(!twice.isWritingResponse)

        var afterFinish = Self.awaitingResponse()
        _ = afterFinish.responseHeadReady(gatewayDraining: false)
        _ = afterFinish.responseFinished(close: false, unreadBody: 0, now: 1)
        #expect(afterFinish.responseHeadReady(gatewayDraining: false) == .close)

        // A parser error once the response has started is not answered again.
        var started = Self.withRequest()
        _ = started.responseHeadReady(gatewayDraining: false)
        #expect(started.errorCaught(.malformedRequest("x")) == .close)

        // A response finished without a head leaves the client nothing to wait for.
        var headless = Self.awaitingResponse()
        #expect(headless.responseFinished(close: false, unreadBody: 0, now: 1) == .close)
    }

    @Test("an informational head only before the final one")
    func informational() {
        var machine = Self.withRequest()
        #expect(machine.mayWriteInformationalHead)
        _ = machine.responseHeadReady(gatewayDraining: false)
        #expect(!machine.mayWriteInformationalHead)
    }

    // MARK: Client gone

    @Test("a client gone cancels the open exchange and drops what was queued")
    func clientGone() {
        var machine = Self.awaitingResponse()
        _ = machine.requestPartReceived(Self.head("/b"), now: 1)
        #expect(machine.writabilityChanged(isWritable: true) == .notifyExchangeWritable)
        #expect(machine.clientClosed() == .cancelExchange)
        #expect(machine.queue.isEmpty)
        #expect(machine.state == .closed)
        #expect(machine.requestPartReceived(.end(nil), now: 2) == .none)
        #expect(machine.responseHeadReady(gatewayDraining: false) == .none)
        #expect(machine.writabilityChanged(isWritable: true) == .none)

        var idle = ClientConnectionStateMachine(limits: Self.limits)
        #expect(idle.clientClosed() == .none)
    }

    @Test("a response cut short flushes what was written and closes")
    func aborted() {
        var machine = Self.awaitingResponse()
        _ = machine.requestPartReceived(Self.head("/b"), now: 1)
        _ = machine.responseHeadReady(gatewayDraining: false)
        #expect(machine.responseAborted() == .flushAndClose)
        #expect(machine.queue.isEmpty)
        #expect(machine.responseAborted() == .none)
    }
}
