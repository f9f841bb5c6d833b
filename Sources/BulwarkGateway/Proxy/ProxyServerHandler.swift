import NIOCore
import NIOHTTP1

/// The handler of one client connection: turns each request into a ``ProxyExchange``, writes what the
/// exchange answers, and holds reads back while the upstream cannot take more of the request body.
final class ProxyServerHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let runtime: GatewayRuntime
    /// Set while the handler is in a pipeline. Cleared when it is removed: the context holds the handler,
    /// so keeping it would leak both (and the channel) for every connection.
    private(set) var context: ChannelHandlerContext?
    private(set) var peerAddress = "unknown"
    private var exchange: ProxyExchange?
    /// Parts of a request that was already answered (an early error); they are dropped, up to
    /// `server.discard_body_limit` bytes, after which the connection is closed.
    private var discardingRequest = false
    private var discardBudget = 0
    /// The connection is closing: nothing more is read or answered.
    private var closing = false
    private var closeAfterResponse = false
    private var readPending = false
    private var quiescing = false
    /// Whether the request being read has not reached its end yet.
    private var requestOpen = false
    /// Parts of pipelined requests that arrived while an earlier response was in progress.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    private var queuedRequests = 0
    private var queuedBodyBytes = 0
    /// Set while ``drainQueue()`` runs: a response finished inside it continues the same loop instead
    /// of recursing (thousands of pipelined requests answered locally must not grow the stack).
    private var drainingQueue = false
    private var idleTimer: Scheduled<Void>?
    private var lastActivity: NIODeadline = .now()
    private var bodyTimer: Scheduled<Void>?
    private var lastBodyActivity: NIODeadline = .now()
    private let headTimer: RequestHeadTimer?

    /// Body bytes of pipelined requests held before reading pauses.
    static let maximumQueuedBodyBytes = 64 * 1024

    init(runtime: GatewayRuntime, headTimer: RequestHeadTimer? = nil) {
        self.runtime = runtime
        self.headTimer = headTimer
        runtime.instanceObserver?.created(.clientConnection)
    }

    deinit { runtime.instanceObserver?.freed(.clientConnection) }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let address = context.channel.remoteAddress?.ipAddress { peerAddress = address }
        armIdleTimer(in: TimeAmount.nanoseconds(runtime.configuration.server.idleTimeout.nanoseconds))
    }

    /// One timer per connection, re-armed lazily (not per request): closes the connection once it has
    /// been idle for `server.idle_timeout`.
    private func armIdleTimer(in delay: TimeAmount) {
        guard let context else { return }
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self, let context = self.context else { return }
            let timeout = TimeAmount.nanoseconds(self.runtime.configuration.server.idleTimeout.nanoseconds)
            let idleFor = NIODeadline.now() - self.lastActivity
            if self.exchange == nil, !self.requestOpen, idleFor >= timeout {
                context.close(promise: nil)
            } else {
                self.armIdleTimer(in: self.exchange == nil && !self.requestOpen ? timeout - idleFor : timeout)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        bodyTimer?.cancel()
        bodyTimer = nil
        self.context = nil
    }

    /// One lazily re-armed timer while a request body is open: a body that stalls (no bytes for
    /// `server.body_idle_timeout` while the gateway is reading) gets 408, or the connection is closed.
    private func armBodyTimer(in delay: TimeAmount) {
        guard let context else { return }
        bodyTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self else { return }
            self.bodyTimer = nil
            guard self.requestOpen, !self.closing else { return }
            let timeout = TimeAmount.nanoseconds(self.runtime.configuration.server.bodyIdleTimeout.nanoseconds)
            let idleFor = NIODeadline.now() - self.lastBodyActivity
            if self.readPending || idleFor < timeout {
                // Reads held back by the gateway (backpressure) are not the client's stall.
                self.armBodyTimer(in: self.readPending ? timeout : timeout - idleFor)
            } else {
                self.bodyStalled()
            }
        }
    }

    private func bodyStalled() {
        let seconds = runtime.configuration.server.bodyIdleTimeout.humanReadable
        if let exchange {
            exchange.failRequest(.requestTimeout, "the request body stalled for \(seconds)")
        } else {
            closeNow()
        }
    }

    private func closeNow() {
        stopReadingRequests()
        context?.close(promise: nil)
    }

    /// The connection will close: pipelined requests still queued are dropped, and nothing more is read.
    private func stopReadingRequests() {
        closing = true
        dropQueued()
    }

    private func dropQueued() {
        queued.removeAll()
        queuedRequests = 0
        queuedBodyBytes = 0
    }

    /// The allocator for responses the gateway writes itself.
    var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    /// Whether the client's socket takes more writes now (false once the connection is gone).
    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head: headTimer?.headReceived()
        case .end: headTimer?.requestEnded()
        case .body: break
        }
        if closing { return }
        // A pipelined request waits until the response before it is complete (HTTP/1.1 order).
        if !queued.isEmpty || (exchange != nil && !requestOpen && !discardingRequest) {
            queued.append(part)
            switch part {
            case .head: queuedRequests += 1
            case .body(let buffer): queuedBodyBytes += buffer.readableBytes
            case .end: break
            }
            return
        }
        handle(part)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if requestOpen, bodyTimer == nil, !closing {
            armBodyTimer(in: TimeAmount.nanoseconds(runtime.configuration.server.bodyIdleTimeout.nanoseconds))
        }
        context.fireChannelReadComplete()
    }

    private func handle(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            requestOpen = true
            lastActivity = .now()
            lastBodyActivity = lastActivity
            discardingRequest = false
            let exchange = ProxyExchange(handler: self, head: head)
            self.exchange = exchange
            exchange.start()
        case .body(let buffer):
            lastBodyActivity = .now()
            if discardingRequest {
                discardBudget -= buffer.readableBytes
                if discardBudget < 0 { closeNow() }
            } else {
                exchange?.requestBody(buffer)
            }
        case .end:
            requestOpen = false
            if discardingRequest {
                discardingRequest = false
                if exchange == nil, closeAfterResponse { closeNow() }
            } else {
                exchange?.requestEnd()
            }
        }
    }

    // MARK: Called by the exchange

    func writeResponseHead(_ head: HTTPResponseHead) {
        var head = head
        if runtime.isDraining || quiescing || closeAfterResponse {
            head.headers.replaceOrAdd(name: "Connection", value: "close")
            closeAfterResponse = true
        }
        context?.write(wrapOutboundOut(.head(head)), promise: nil)
    }

    func writeInformationalHead(_ head: HTTPResponseHead) {
        context?.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
    }

    /// Writes a body part; ``flushResponse()`` (at the end of each upstream read batch) sends it.
    func writeResponseBody(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }

    func flushResponse() { context?.flush() }

    /// The response is complete. `requestComplete` says whether the whole request was read; if not, the
    /// rest of it (`unreadBody` bytes, nil when unknown) is read and dropped when it is smaller than
    /// `server.discard_body_limit`, and otherwise the connection is closed.
    func finishResponse(requestComplete: Bool, close: Bool, unreadBody: Int? = 0) {
        exchange = nil
        if close { closeAfterResponse = true }
        if !requestComplete {
            let limit = runtime.configuration.server.discardBodyLimit
            if let unread = unreadBody, unread >= limit {
                closeAfterResponse = true
            } else {
                discardingRequest = true
                discardBudget = limit
            }
        }
        let shouldClose = closeAfterResponse
        guard let context = self.context else { return }
        if shouldClose { stopReadingRequests() }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if shouldClose { context.close(promise: nil) }
        }
        lastActivity = .now()
        if !shouldClose { drainQueue() }
        resumeReading()
    }

    /// Handles pipelined parts that waited, until one of them starts a response that is still open.
    /// A loop, never a recursion: a response finished inside it lets the same loop go on.
    private func drainQueue() {
        guard !drainingQueue else { return }
        drainingQueue = true
        defer { drainingQueue = false }
        while !closing, exchange == nil || requestOpen, let part = queued.popFirst() {
            switch part {
            case .head: queuedRequests -= 1
            case .body(let buffer): queuedBodyBytes -= buffer.readableBytes
            case .end: break
            }
            handle(part)
        }
    }

    /// The response was cut short (an upstream failed mid-body): the client must see a broken message.
    func abortResponse() {
        exchange = nil
        stopReadingRequests()
        // What was written goes out first, so the client sees a response cut short (no last chunk or
        // fewer bytes than its length), never a silent close.
        context?.flush()
        context?.close(promise: nil)
    }

    /// Marks the connection to close after the current response (e.g. `Connection: close` or HTTP/1.0).
    func closeAfterCurrentResponse() { closeAfterResponse = true }

    func resumeReading() {
        guard readPending else { return }
        readPending = false
        context?.read()
    }


    // MARK: Channel events

    func read(context: ChannelHandlerContext) {
        if queuedRequests >= runtime.configuration.server.maxPipelinedRequests
            || queuedBodyBytes > Self.maximumQueuedBodyBytes
            || (exchange?.shouldHoldClientReads ?? false) {
            readPending = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { exchange?.clientBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        exchange?.clientClosed()
        exchange = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RequestHeadTimer.RequestHeadTimedOut {
            if exchange == nil, !requestOpen, !closing {
                respondAndClose(.requestTimeout, "the request head was not complete within \(runtime.configuration.server.headerTimeout.humanReadable)", context: context)
            } else {
                closeAfterResponse = true
            }
            return
        }
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            if exchange == nil { context.close(promise: nil) } else { closeAfterResponse = true }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if exchange != nil, !requestOpen, !closing {
            // Bytes after a complete request are malformed: that request still gets its answer, nothing
            // after it is read, and the connection closes after the response.
            closeAfterResponse = true
            dropQueued()
            return
        }
        guard !closing, !discardingRequest, exchange == nil || !(exchange!.responseStarted) else {
            // The request was answered already (or is being answered): a second answer would be one
            // response too many, so the connection is closed.
            closeNow()
            return
        }
        exchange?.clientClosed()
        exchange = nil
        let status: HTTPResponseStatus
        let message: String
        switch error as? HTTPParserError {
        case .headerOverflow?:
            status = .requestHeaderFieldsTooLarge
            message = "request header fields too large (limit \(runtime.configuration.server.maxHeaderBytes) bytes)"
        case .unexpectedContentLength?:
            status = .badRequest
            message = "ambiguous framing: a request must not carry both Content-Length and Transfer-Encoding"
        case .some(let parserError):
            status = .badRequest
            message = "malformed request: \(parserError)"
        case nil:
            context.close(promise: nil)
            return
        }
        respondAndClose(status, message, context: context)
    }

    /// Answers with a JSON error outside any exchange (a parser error, a head that took too long) and
    /// closes the connection.
    private func respondAndClose(_ status: HTTPResponseStatus, _ message: String, context: ChannelHandlerContext) {
        stopReadingRequests()
        let (head, body) = GatewayResponses.error(status, message: message, requestID: RequestID.generate(), allocator: context.channel.allocator)
        var closingHead = head
        closingHead.headers.replaceOrAdd(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(closingHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
