import NIOCore
import NIOHTTP1

/// The handler of one client connection: a thin shell around ``ClientConnectionStateMachine``. It turns
/// NIO callbacks and the exchange's calls into the machine's events, with the time, and performs the
/// actions the machine returns: start a ``ProxyExchange`` per request, hand it the body, write what it
/// answers, read or hold reads, arm the idle and body-idle timers, answer errors and close.
final class ProxyServerHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let runtime: GatewayRuntime
    /// Set while the handler is in a pipeline. Cleared when it is removed: the context holds the handler,
    /// so keeping it would leak both (and the channel) for every connection.
    private(set) var context: ChannelHandlerContext?
    private(set) var peerAddress = "unknown"
    private var machine: ClientConnectionStateMachine
    private var exchange: ProxyExchange?
    private var idleTimer: Scheduled<Void>?
    private var bodyTimer: Scheduled<Void>?
    private let headTimer: RequestHeadTimer?
    /// What TLS established for this connection; nil on plain HTTP.
    let security: ConnectionSecurity?
    /// Monotonic nanoseconds, on the same time base as the event loop's scheduled tasks.
    private let clock: () -> UInt64

    /// A handler for one connection, held to the limits `runtime` has when it is made. `clock` is the
    /// monotonic time in nanoseconds (tests on an `EmbeddedEventLoop` pass the loop's time).
    init(
        runtime: GatewayRuntime, headTimer: RequestHeadTimer? = nil, security: ConnectionSecurity? = nil,
        clock: @escaping () -> UInt64 = { NIODeadline.now().uptimeNanoseconds }
    ) {
        self.runtime = runtime
        self.headTimer = headTimer
        self.security = security
        self.clock = clock
        self.machine = ClientConnectionStateMachine(limits: ClientConnectionLimits(runtime.configuration.server))
        runtime.instanceObserver?.created(.clientConnection)
    }

    deinit { runtime.instanceObserver?.freed(.clientConnection) }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let address = context.channel.remoteAddress?.ipAddress { peerAddress = address }
        perform(machine.connectionStarted(now: clock()))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        self.context = nil
    }

    private func cancelTimers() {
        idleTimer?.cancel()
        idleTimer = nil
        bodyTimer?.cancel()
        bodyTimer = nil
    }

    /// `Strict-Transport-Security` on every response of an HTTPS connection when `server.hsts` is set.
    private func addStrictTransportSecurity(to head: inout HTTPResponseHead) {
        if let hsts = security?.strictTransportSecurity { head.headers.replaceOrAdd(name: "Strict-Transport-Security", value: hsts) }
    }

    /// The allocator for responses the gateway writes itself.
    var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    /// Whether the client's socket takes more writes now (false once the connection is gone).
    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    private var upstreamBackpressure: Bool { exchange?.shouldHoldClientReads ?? false }

    // MARK: Channel events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head: headTimer?.headReceived()
        case .end: headTimer?.requestEnded()
        case .body: break
        }
        perform(machine.requestPartReceived(part, now: clock()))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        perform(machine.readComplete(now: clock()))
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        perform(machine.readRequested(upstreamBackpressure: upstreamBackpressure))
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        perform(machine.writabilityChanged(isWritable: context.channel.isWritable))
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(machine.clientClosed())
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RequestHeadTimer.RequestHeadTimedOut {
            perform(machine.headTimedOut())
        } else if event is ChannelShouldQuiesceEvent {
            perform(machine.quiesceRequested())
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(machine.errorCaught(ClientConnectionError(error)))
    }

    // MARK: Called by the exchange

    func writeResponseHead(_ head: HTTPResponseHead) {
        switch machine.responseHeadReady(gatewayDraining: runtime.isDraining) {
        case .writeResponseHead(let connectionClose):
            var head = head
            if connectionClose { head.headers.replaceOrAdd(name: "Connection", value: "close") }
            addStrictTransportSecurity(to: &head)
            context?.write(wrapOutboundOut(.head(head)), promise: nil)
        case let action:
            perform(action)
        }
    }

    func writeInformationalHead(_ head: HTTPResponseHead) {
        guard machine.mayWriteInformationalHead else { return }
        context?.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
    }

    /// Writes a body part; ``flushResponse()`` (at the end of each upstream read batch) sends it.
    func writeResponseBody(_ buffer: ByteBuffer) {
        guard machine.isWritingResponse else { return }
        context?.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
    }

    func flushResponse() { context?.flush() }

    /// The response is complete. `requestComplete` says whether the whole request was read; if not, the
    /// rest of it (`unreadBody` bytes, nil when unknown) is read and dropped when it is smaller than
    /// `server.discard_body_limit`, and otherwise the connection is closed.
    func finishResponse(requestComplete: Bool, close: Bool, unreadBody: Int? = 0) {
        exchange = nil
        perform(machine.responseFinished(close: close, unreadBody: requestComplete ? 0 : unreadBody, now: clock()))
        resumeReading()
    }

    /// The response was cut short (an upstream failed mid-body): the client must see a broken message.
    func abortResponse() {
        exchange = nil
        perform(machine.responseAborted())
    }

    /// The exchange's target switched protocols: when the connection machine allows it, writes the `101`
    /// `head`, hands the connection to `relay` (this handler and the HTTP handlers leave the pipeline)
    /// and returns true; otherwise changes nothing and returns false.
    func switchProtocols(_ head: HTTPResponseHead, to relay: UpgradedConnection) -> Bool {
        guard let context, machine.responseUpgraded() else { return false }
        exchange = nil
        cancelTimers()
        var head = head
        addStrictTransportSecurity(to: &head)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        do {
            try relay.installOnClient(context.pipeline.syncOperations, proxyContext: context)
            return true
        } catch {
            context.close(promise: nil)
            return false
        }
    }

    /// Marks the connection to close after the current response (e.g. `Connection: close` or HTTP/1.0).
    func closeAfterCurrentResponse() { machine.closeAfterResponseRequested() }

    /// Reads again if a read was held back and nothing holds it back any more.
    func resumeReading() {
        perform(machine.readResumptionRequested(upstreamBackpressure: upstreamBackpressure, now: clock()))
    }

    // MARK: Actions

    private func perform(_ action: ClientConnectionAction) {
        switch action {
        case .none, .queued, .holdReads:
            break
        case .startExchange(let head):
            guard context != nil else { return }
            let exchange = ProxyExchange(handler: self, head: head)
            self.exchange = exchange
            exchange.start()
        case .forwardBody(let buffer):
            exchange?.requestBody(buffer)
        case .forwardEnd:
            exchange?.requestEnd()
        case .read:
            context?.read()
        case .writeResponseHead:
            break  // only returned to writeResponseHead(_:), which has the head
        case .writeResponseEnd(let thenClose, let deliverQueued):
            writeResponseEnd(thenClose: thenClose)
            if deliverQueued { deliverQueuedParts() }
        case .answerAndClose(let error, let cancelExchange):
            if cancelExchange { abandonExchange() }
            answerAndClose(error)
        case .failStalledBody:
            exchange?.failRequest(.requestTimeout, "the request body stalled for \(runtime.configuration.server.bodyIdleTimeout.humanReadable)")
        case .notifyExchangeWritable:
            exchange?.clientBecameWritable()
        case .cancelExchange:
            abandonExchange()
        case .flushAndClose:
            // What was written goes out first, so the client sees a response cut short (no last chunk
            // or fewer bytes than its length), never a silent close.
            context?.flush()
            context?.close(promise: nil)
        case .close:
            context?.close(promise: nil)
        case .armIdleTimer(let deadline):
            idleTimer = schedule(at: deadline) { $0.machine.idleTimerFired(now: $1) }
        case .armBodyTimer(let deadline):
            bodyTimer = schedule(at: deadline) { $0.machine.bodyTimerFired(now: $1) }
        }
    }

    /// Hands queued pipelined parts over until a response is in progress again. A loop, never a
    /// recursion: a response finished inside it lets the same loop go on.
    private func deliverQueuedParts() {
        while true {
            let action = machine.nextQueuedPart(now: clock())
            if case .none = action { return }
            perform(action)
        }
    }

    private func writeResponseEnd(thenClose: Bool) {
        guard let context else { return }
        guard thenClose else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func abandonExchange() {
        exchange?.clientClosed()
        exchange = nil
    }

    /// Answers with a JSON error outside any exchange (a parser error, a head that took too long) and
    /// closes the connection.
    private func answerAndClose(_ error: ClientConnectionError) {
        guard let context, let status = error.status else {
            context?.close(promise: nil)
            return
        }
        let (head, body) = GatewayResponses.error(status, message: message(for: error), requestID: RequestID.generate(), allocator: context.channel.allocator)
        var closingHead = head
        closingHead.headers.replaceOrAdd(name: "Connection", value: "close")
        addStrictTransportSecurity(to: &closingHead)
        context.write(wrapOutboundOut(.head(closingHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func message(for error: ClientConnectionError) -> String {
        let server = runtime.configuration.server
        switch error {
        case .headTimedOut: return "the request head was not complete within \(server.headerTimeout.humanReadable)"
        case .headerFieldsTooLarge: return "request header fields too large (limit \(server.maxHeaderBytes) bytes)"
        case .ambiguousFraming: return "ambiguous framing: a request must not carry both Content-Length and Transfer-Encoding"
        case .malformedRequest(let description): return "malformed request: \(description)"
        case .connectionFailed: return "connection failed"
        }
    }

    /// Arms a timer for `deadline` on the injected clock; when it fires, `fired` is the machine's event.
    private func schedule(at deadline: UInt64, fired: @escaping (ProxyServerHandler, UInt64) -> ClientConnectionAction) -> Scheduled<Void>? {
        guard let context else { return nil }
        let now = clock()
        let delay = TimeAmount.nanoseconds(Int64(clamping: deadline > now ? deadline - now : 0))
        return context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self else { return }
            self.perform(fired(self, self.clock()))
        }
    }
}
