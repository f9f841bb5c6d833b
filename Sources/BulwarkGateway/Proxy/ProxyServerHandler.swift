import NIOCore
import NIOHTTP1
import Synchronization

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
    /// Parts of a request that was already answered (an early error); they are dropped.
    private var discardingRequest = false
    private var closeAfterResponse = false
    private var readPending = false
    private var quiescing = false
    /// Whether the request being read has not reached its end yet.
    private var requestOpen = false
    /// Parts of pipelined requests that arrived while an earlier response was in progress.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    private var idleTimer: Scheduled<Void>?
    private var lastActivity: NIODeadline = .now()

    /// Client connection handlers alive in this process: the tests check that closed ones are freed.
    static let live = Atomic<Int>(0)

    init(runtime: GatewayRuntime) {
        self.runtime = runtime
        Self.live.add(1, ordering: .relaxed)
    }

    deinit { Self.live.subtract(1, ordering: .relaxed) }

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
        self.context = nil
    }

    /// The allocator for responses the gateway writes itself.
    var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    /// Whether the client's socket takes more writes now (false once the connection is gone).
    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        // A pipelined request waits until the response before it is complete (HTTP/1.1 order).
        if !queued.isEmpty || (exchange != nil && !requestOpen && !discardingRequest) {
            queued.append(part)
            return
        }
        handle(part)
    }

    private func handle(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            requestOpen = true
            lastActivity = .now()
            discardingRequest = false
            let exchange = ProxyExchange(handler: self, head: head)
            self.exchange = exchange
            exchange.start()
        case .body(let buffer):
            if !discardingRequest { exchange?.requestBody(buffer) }
        case .end:
            requestOpen = false
            if discardingRequest {
                discardingRequest = false
                if exchange == nil, closeAfterResponse { self.context?.close(promise: nil) }
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
    /// rest of it is discarded, and the connection is closed when the exchange asks for it.
    func finishResponse(requestComplete: Bool, close: Bool) {
        exchange = nil
        if close { closeAfterResponse = true }
        let shouldClose = closeAfterResponse
        guard let context = self.context else { return }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            if shouldClose { context.close(promise: nil) }
        }
        if !requestComplete { discardingRequest = true }
        lastActivity = .now()
        if !shouldClose { drainQueue() }
        resumeReading()
    }

    /// Handles pipelined parts that waited, until one of them starts a response that is still open.
    private func drainQueue() {
        while exchange == nil || requestOpen, let part = queued.popFirst() {
            handle(part)
        }
    }

    /// The response was cut short (an upstream failed mid-body): the client must see a broken message.
    func abortResponse() {
        exchange = nil
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
        if !queued.isEmpty || (exchange?.shouldHoldClientReads ?? false) {
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
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            if exchange == nil { context.close(promise: nil) } else { closeAfterResponse = true }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard exchange == nil || !(exchange!.responseStarted) else {
            context.close(promise: nil)
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
        let (head, body) = GatewayResponses.error(status, message: message, requestID: RequestID.generate(), allocator: context.channel.allocator)
        var closing = head
        closing.headers.replaceOrAdd(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(closing)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
