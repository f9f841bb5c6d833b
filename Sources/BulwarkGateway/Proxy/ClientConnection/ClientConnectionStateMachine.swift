import NIOCore
import NIOHTTP1

/// The decisions of one client connection, as a pure value: which request part goes to the exchange,
/// which waits behind the response in progress, when to read, when a response must close the
/// connection, what a timer or an error leads to. It takes events (with `now`, monotonic nanoseconds)
/// and returns a ``ClientConnectionAction``; ``ProxyServerHandler`` performs it. No clock, no I/O.
///
/// One request at a time is handed to an exchange (HTTP/1.1 answers in order): parts of pipelined
/// requests that arrive while a response is in progress queue, and reads pause once
/// `server.max_pipelined_requests` heads or 64 KiB of their bodies wait. A response that ends before
/// its request does leaves the rest of the body to be read and dropped, up to
/// `server.discard_body_limit`. Every request gets one answer at most: a second one closes the
/// connection instead. Modelled on NIO's `HTTPServerPipelineHandler` and AsyncHTTPClient's
/// `HTTP1ConnectionStateMachine`.
///
/// ```
///  idle ──head──▶ readingBody ──end──▶ awaitingResponse ──response end──▶ idle (or the next queued part)
///                     │ response end                 │ parts of later requests queue
///                     ▼                              ▼
///                 discarding ──end──▶ idle       closing ──client gone──▶ closed
/// ```
struct ClientConnectionStateMachine {
    enum State: Equatable {
        /// Between requests: no request is being read and no response is in progress.
        case idle
        /// A request's head went to an exchange and its body is being read; its response may have
        /// started (`responseHeadWritten`).
        case readingBody(responseHeadWritten: Bool)
        /// The request is complete and its response is awaited or being written; later parts queue.
        case awaitingResponse(responseHeadWritten: Bool)
        /// The request was answered before its end: the rest is read and dropped while `budget` lasts.
        case discarding(budget: Int)
        /// The connection is closing: nothing more is read or answered. `exchangeOpen`: an exchange has
        /// not finished yet and is told when the client is gone.
        case closing(exchangeOpen: Bool)
        /// The client is gone.
        case closed
    }

    private(set) var state: State = .idle
    let limits: ClientConnectionLimits
    /// Set by `Connection: close`, HTTP/1.0, a drain, a late error or a head timeout: the response in
    /// progress says `Connection: close` and the connection closes after it.
    private(set) var closesAfterResponse = false
    private(set) var queue = PipelinedRequestQueue()
    /// The channel asked for a read that was held back.
    private(set) var readPending = false
    /// Queued parts are being handed over: a response finished meanwhile lets that loop go on instead
    /// of starting another (thousands of pipelined requests answered locally must not recurse).
    private var deliveringQueued = false
    /// When the last response ended or the last request started (the idle clock).
    private var lastActivity: UInt64 = 0
    /// When the request body last moved, or reads resumed (the body-idle clock).
    private var lastBodyActivity: UInt64 = 0
    private var bodyTimerArmed = false

    init(limits: ClientConnectionLimits) {
        self.limits = limits
    }

    /// Whether an exchange has started and not finished.
    var hasOpenExchange: Bool {
        switch state {
        case .readingBody, .awaitingResponse, .closing(exchangeOpen: true): true
        case .idle, .discarding, .closing(exchangeOpen: false), .closed: false
        }
    }

    /// Whether a response head went out and its body may follow.
    var isWritingResponse: Bool {
        switch state {
        case .readingBody(let written), .awaitingResponse(let written): written
        case .idle, .discarding, .closing, .closed: false
        }
    }

    /// Whether an informational (1xx) head may be written: a response is owed and has not started.
    var mayWriteInformationalHead: Bool {
        switch state {
        case .readingBody(let written), .awaitingResponse(let written): !written
        case .idle, .discarding, .closing, .closed: false
        }
    }

    private var isClosing: Bool {
        switch state {
        case .closing, .closed: true
        case .idle, .readingBody, .awaitingResponse, .discarding: false
        }
    }

    // MARK: Connection

    /// The connection is open: the idle clock starts.
    mutating func connectionStarted(now: UInt64) -> ClientConnectionAction {
        lastActivity = now
        return .armIdleTimer(deadline: now &+ limits.idleTimeout)
    }

    /// The client is gone (the channel went inactive).
    mutating func clientClosed() -> ClientConnectionAction {
        let exchangeOpen = hasOpenExchange
        state = .closed
        stopReading()
        return exchangeOpen ? .cancelExchange : .none
    }

    /// Closes now; nothing queued is served.
    private mutating func closeNow() -> ClientConnectionAction {
        state = .closing(exchangeOpen: hasOpenExchange)
        stopReading()
        return .close
    }

    private mutating func stopReading() {
        queue.removeAll()
        readPending = false
        deliveringQueued = false
    }

    /// The connection closes after the response in progress; requests queued behind it are not served.
    private mutating func closeAfterResponse() {
        closesAfterResponse = true
        if case .awaitingResponse = state { queue.removeAll() }
    }

    // MARK: Request parts

    /// A request part arrived from the decoder.
    mutating func requestPartReceived(_ part: HTTPServerRequestPart, now: UInt64) -> ClientConnectionAction {
        switch state {
        case .closing, .closed:
            return .none
        case .awaitingResponse:
            // Nothing after the last request of a closing connection is served.
            if closesAfterResponse { return .none }
            queue.append(part)
            return .queued
        case .idle, .readingBody, .discarding:
            // Behind parts already waiting, so requests keep their order.
            if !queue.isEmpty {
                queue.append(part)
                return .queued
            }
            return handle(part, now: now)
        }
    }

    /// The next queued part to hand over, after `.writeResponseEnd(deliverQueued: true)`: call until it
    /// returns `.none` (the queue is empty, or a response is in progress again).
    mutating func nextQueuedPart(now: UInt64) -> ClientConnectionAction {
        while deliveringQueued {
            switch state {
            case .idle, .readingBody, .discarding:
                guard let part = queue.popFirst() else { break }
                let action = handle(part, now: now)
                if case .none = action { continue }  // a dropped part: go on
                return action
            case .awaitingResponse, .closing, .closed:
                break
            }
            deliveringQueued = false
        }
        return .none
    }

    private mutating func handle(_ part: HTTPServerRequestPart, now: UInt64) -> ClientConnectionAction {
        switch (state, part) {
        case (.idle, .head(let head)):
            state = .readingBody(responseHeadWritten: false)
            lastActivity = now
            lastBodyActivity = now
            return .startExchange(head)
        case (.readingBody, .body(let buffer)):
            lastBodyActivity = now
            return .forwardBody(buffer)
        case (.readingBody(let written), .end):
            state = .awaitingResponse(responseHeadWritten: written)
            return .forwardEnd
        case (.discarding(let budget), .body(let buffer)):
            lastBodyActivity = now
            let left = budget - buffer.readableBytes
            if left < 0 { return closeNow() }
            state = .discarding(budget: left)
            return .none
        case (.discarding, .end):
            if closesAfterResponse { return closeNow() }
            state = .idle
            lastActivity = now
            return .none
        default:
            // Out of order (the decoder never does this): the connection cannot be trusted.
            return closeNow()
        }
    }

    // MARK: Reads

    /// The channel wants to read. `upstreamBackpressure`: the exchange cannot take more body now.
    mutating func readRequested(upstreamBackpressure: Bool) -> ClientConnectionAction {
        if isClosing { return .holdReads }
        if readsHeldBack(upstreamBackpressure: upstreamBackpressure) {
            readPending = true
            return .holdReads
        }
        readPending = false
        return .read
    }

    /// Something that held reads back may have cleared (the exchange's upstream took its body, a
    /// response ended): reads resume if one is pending and nothing holds it back any more.
    mutating func readResumptionRequested(upstreamBackpressure: Bool, now: UInt64) -> ClientConnectionAction {
        guard readPending, !isClosing, !readsHeldBack(upstreamBackpressure: upstreamBackpressure) else { return .none }
        readPending = false
        // The body-idle clock measures the client, not the time the gateway held it back.
        lastBodyActivity = now
        return .read
    }

    private func readsHeldBack(upstreamBackpressure: Bool) -> Bool {
        if queue.isOverLimit(limits) { return true }
        switch state {
        case .awaitingResponse:
            // The last request of a closing connection is complete: nothing after it is read.
            return closesAfterResponse || upstreamBackpressure
        case .readingBody:
            return upstreamBackpressure
        case .idle, .discarding, .closing, .closed:
            return false
        }
    }

    /// The client's socket became writable or stopped being so.
    func writabilityChanged(isWritable: Bool) -> ClientConnectionAction {
        isWritable && hasOpenExchange && !isClosing ? .notifyExchangeWritable : .none
    }

    // MARK: Responses

    /// The exchange's final response head is ready. `gatewayDraining`: the gateway is shutting down.
    mutating func responseHeadReady(gatewayDraining: Bool) -> ClientConnectionAction {
        switch state {
        case .readingBody(responseHeadWritten: false):
            state = .readingBody(responseHeadWritten: true)
        case .awaitingResponse(responseHeadWritten: false):
            state = .awaitingResponse(responseHeadWritten: true)
        case .readingBody(responseHeadWritten: true), .awaitingResponse(responseHeadWritten: true), .idle, .discarding:
            // A second answer (or one with no request): never written; the connection closes instead.
            return closeNow()
        case .closing, .closed:
            return .none
        }
        if gatewayDraining { closeAfterResponse() }
        return .writeResponseHead(connectionClose: closesAfterResponse)
    }

    /// The exchange's upstream switched protocols (`101`): whether this connection may leave HTTP and
    /// become a byte relay. Only a complete request with no response written and nothing pipelined
    /// behind it may; then the HTTP connection is over (``State/closed``: later events change nothing,
    /// the relay owns the connection and its timers). Otherwise nothing changes and the exchange gives
    /// the upgrade up.
    mutating func responseUpgraded() -> Bool {
        guard state == .awaitingResponse(responseHeadWritten: false), queue.isEmpty else { return false }
        state = .closed
        readPending = false
        return true
    }

    /// The exchange wants the connection closed after its response (`Connection: close`, HTTP/1.0).
    mutating func closeAfterResponseRequested() {
        guard !isClosing else { return }
        closeAfterResponse()
    }

    /// The exchange's response is complete. `close`: the exchange wants the connection closed.
    /// `unreadBody`: request body bytes the client has still to send (nil: unknown), if the request is
    /// not complete; the rest is read and dropped when it is below `server.discard_body_limit`.
    mutating func responseFinished(close: Bool, unreadBody: Int?, now: UInt64) -> ClientConnectionAction {
        switch state {
        case .readingBody(let written), .awaitingResponse(let written):
            guard written else {
                // Finished without an answer: the client cannot be left waiting for one.
                state = .closing(exchangeOpen: false)
                stopReading()
                return .close
            }
        case .closing(exchangeOpen: true):
            state = .closing(exchangeOpen: false)
            return .none
        case .idle, .discarding, .closing(exchangeOpen: false), .closed:
            return .none
        }
        lastActivity = now
        if close { closesAfterResponse = true }
        if case .readingBody = state {
            if let unread = unreadBody, unread >= limits.discardBodyLimit { closesAfterResponse = true }
            state = .discarding(budget: limits.discardBodyLimit)
            lastBodyActivity = now
        } else {
            state = .idle
        }
        if closesAfterResponse {
            state = .closing(exchangeOpen: false)
            stopReading()
            return .writeResponseEnd(thenClose: true, deliverQueued: false)
        }
        let deliver = !queue.isEmpty && !deliveringQueued
        if deliver { deliveringQueued = true }
        return .writeResponseEnd(thenClose: false, deliverQueued: deliver)
    }

    /// The response was cut short (its upstream failed mid-body): the client must see a broken message.
    mutating func responseAborted() -> ClientConnectionAction {
        guard hasOpenExchange else { return .none }
        state = .closing(exchangeOpen: false)
        stopReading()
        return .flushAndClose
    }

    // MARK: Interruptions

    /// The decoder or the socket failed.
    mutating func errorCaught(_ error: ClientConnectionError) -> ClientConnectionAction {
        switch state {
        case .closed:
            return .none
        case .closing:
            return .close
        case .awaitingResponse:
            // Bytes after a complete request are broken: that request still gets its answer, nothing
            // after it is read, and the connection closes after the response.
            closeAfterResponse()
            return .none
        case .discarding, .readingBody(responseHeadWritten: true):
            // The request was answered (or is being answered): a second answer would be one too many.
            return closeNow()
        case .idle, .readingBody(responseHeadWritten: false):
            guard error.status != nil else { return closeNow() }
            let exchangeOpen = hasOpenExchange
            state = .closing(exchangeOpen: false)
            stopReading()
            return .answerAndClose(error, cancelExchange: exchangeOpen)
        }
    }

    /// A request head took longer than `server.header_timeout` (``RequestHeadTimer``).
    mutating func headTimedOut() -> ClientConnectionAction {
        switch state {
        case .idle:
            state = .closing(exchangeOpen: false)
            stopReading()
            return .answerAndClose(.headTimedOut, cancelExchange: false)
        case .readingBody, .awaitingResponse, .discarding:
            // A pipelined head is slow behind a request in progress: that request is finished first.
            closeAfterResponse()
            return .none
        case .closing, .closed:
            return .none
        }
    }

    /// The gateway drains (`ChannelShouldQuiesceEvent`): close now, or after the response in progress.
    mutating func quiesceRequested() -> ClientConnectionAction {
        switch state {
        case .readingBody, .awaitingResponse:
            closeAfterResponse()
            return .none
        case .idle, .discarding:
            return closeNow()
        case .closing, .closed:
            return .none
        }
    }

    // MARK: Timers

    /// The idle timer fired: closes a connection idle for `server.idle_timeout`, else re-arms.
    mutating func idleTimerFired(now: UInt64) -> ClientConnectionAction {
        switch state {
        case .closing, .closed:
            return .none
        case .idle where queue.isEmpty:
            let deadline = lastActivity &+ limits.idleTimeout
            return now >= deadline ? closeNow() : .armIdleTimer(deadline: deadline)
        case .idle, .readingBody, .awaitingResponse, .discarding:
            return .armIdleTimer(deadline: now &+ limits.idleTimeout)
        }
    }

    /// A batch of reads ended: the body-idle timer is armed while a request body is being read.
    mutating func readComplete(now: UInt64) -> ClientConnectionAction {
        guard !bodyTimerArmed, isReadingBody else { return .none }
        bodyTimerArmed = true
        return .armBodyTimer(deadline: now &+ limits.bodyIdleTimeout)
    }

    /// The body-idle timer fired: a body that has not moved for `server.body_idle_timeout` while the
    /// gateway was reading gets 408 (or, being discarded, a close). Reads the gateway held back are
    /// not the client's stall.
    mutating func bodyTimerFired(now: UInt64) -> ClientConnectionAction {
        bodyTimerArmed = false
        guard isReadingBody else { return .none }
        let deadline = lastBodyActivity &+ limits.bodyIdleTimeout
        if readPending || now < deadline {
            bodyTimerArmed = true
            return .armBodyTimer(deadline: readPending ? now &+ limits.bodyIdleTimeout : deadline)
        }
        if case .discarding = state { return closeNow() }
        return .failStalledBody
    }

    private var isReadingBody: Bool {
        switch state {
        case .readingBody, .discarding: true
        case .idle, .awaitingResponse, .closing, .closed: false
        }
    }
}
