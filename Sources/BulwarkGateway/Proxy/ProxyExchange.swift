import NIOCore
import NIOHTTP1
import Resilience

/// One request through the gateway, from its head to the last byte of its response: routing, rate
/// limiting, target choice, attempts and retries, deadlines and streaming both ways. Lives on its
/// connection's event loop and is only touched there (hence `@unchecked Sendable` for the callbacks
/// that hop back to that loop).
final class ProxyExchange: @unchecked Sendable {
    // Strong: a late timer or callback must never touch a freed handler. The cycle ends when the handler
    // drops its exchange (response finished, aborted, or connection closed).
    let handler: ProxyServerHandler
    let runtime: GatewayRuntime
    let eventLoop: any EventLoop
    let clientHead: HTTPRequestHead
    let startedAt: Int64
    var requestID = ""
    var clientAddress = ""
    var route: CompiledRoute?
    var upstreamHead: HTTPRequestHead?
    var vetted: VettedRequest?
    var rateLimitFields: [(name: String, value: String)] = []

    // Request body.
    var body: [ByteBuffer] = []
    var bodyBytes = 0
    var sentParts = 0
    var replayable = true
    var requestEnded = false
    var continueSent = false

    // Attempts.
    var attempts = 0
    var tried: UInt64 = 0
    var current: Attempt?
    var deadline: Scheduled<Void>?
    var backoffTimer: Scheduled<Void>?
    var previousBackoff: Duration?
    var lastTarget: String?

    // Response.
    var responseStarted = false
    /// A response head accepted from the upstream but not yet written to the client.
    var pendingResponseHead: HTTPResponseHead?
    var finished = false
    var responseStatus = 0
    var responseBytes = 0

    /// One try against one target.
    final class Attempt {
        let target: TargetState
        let permit: CircuitBreakerPermit?
        var connection: UpstreamConnection?
        var perTryTimer: Scheduled<Void>?
        var responseHeadReceived = false
        var responseKeepAlive = true
        /// The response said where it ends (a length, chunked, or no body by its status or method); one
        /// read until the upstream closed leaves a connection that cannot be reused.
        var responseFramed = true

        init(target: TargetState, permit: CircuitBreakerPermit?) {
            self.target = target
            self.permit = permit
        }
    }

    init(handler: ProxyServerHandler, head: HTTPRequestHead) {
        self.handler = handler
        self.runtime = handler.runtime
        self.eventLoop = handler.context!.eventLoop  // the exchange is made in channelRead
        self.clientHead = head
        self.startedAt = Self.now()
        runtime.telemetry.requestStarted()
    }

    deinit { runtime.telemetry.requestEnded() }

    static func now() -> Int64 { Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds) }

    // MARK: Request from the client

    func start() {
        requestID = RequestID.accept(clientHead.headers.first(name: "X-Request-ID"))
        let peer = handler.peerAddress
        clientAddress = runtime.clientResolver.clientAddress(peer: peer, forwardedFor: clientHead.headers["X-Forwarded-For"])
        if !clientHead.isKeepAlive || clientHead.version.major < 1 || (clientHead.version.major == 1 && clientHead.version.minor == 0) {
            handler.closeAfterCurrentResponse()
        }
        let vetted: VettedRequest
        switch RequestVetting.vet(clientHead, limits: runtime.vettingLimits) {
        case .failure(let rejection):
            return respondError(rejection.status, rejection.message, close: true)
        case .success(let value):
            vetted = value
        }
        self.vetted = vetted
        if vetted.upgradeDropped { handler.closeAfterCurrentResponse() }
        let maxBody = runtime.configuration.server.maxBodyBytes
        if maxBody > 0, case .length(let length) = vetted.framing, length > maxBody {
            return respondError(.payloadTooLarge, "request body of \(length) bytes exceeds the limit of \(maxBody) bytes", close: true)
        }
        guard let route = runtime.router.route(method: clientHead.method, path: vetted.path) else {
            return respondError(.notFound, "no route for \(clientHead.method.rawValue) \(vetted.path)")
        }
        self.route = route
        upstreamHead = UpstreamRequestHead.make(from: clientHead, vetted: vetted, origin: .init(
            peer: peer, peerIsTrusted: runtime.clientResolver.isTrusted(peer), clientAddress: clientAddress, requestID: requestID
        ))
        if route.rateLimits.isEmpty {
            admitted()
        } else {
            runtime.rateLimiter.check(route.rateLimits, clientAddress: clientAddress, headers: clientHead.headers, on: eventLoop) { outcome in
                self.rateLimited(outcome)
            }
        }
    }

    /// How the request body is framed (none before the head is vetted).
    var framing: RequestBodyFraming { vetted?.framing ?? .none }

    /// The client sent `Expect: 100-continue` (HTTP/1.1 and later).
    var expectsContinue: Bool { vetted?.expectsContinue ?? false }

    /// The request path as logged and shown in answers: canonical once vetted, raw before.
    var loggedPath: String { vetted.map { String($0.path) } ?? Self.path(of: clientHead.uri) }

    /// Body bytes the client has still to send (nil when unknown: chunked); `Int.max` when the client
    /// waits for a `100 Continue` it never got, and so may never send them.
    var unreadBody: Int? {
        if requestEnded { return 0 }
        if expectsContinue, !continueSent { return .max }
        switch framing {
        case .none: return 0
        case .length(let length): return max(0, length - bodyBytes)
        case .chunked: return nil
        }
    }

    private func rateLimited(_ outcome: RouteRateLimiter.Outcome) {
        guard !finished else { return }
        let style = runtime.configuration.server.rateLimitHeaders
        rateLimitFields = RateLimitHeaders.fields(for: outcome, style: style)
        let allowed = outcome.allSatisfy(\.decision.allowed)
        if let route { runtime.telemetry.rateLimitDecision(routeIndex: route.telemetrySlot, allowed: allowed) }
        if let denied = outcome.first(where: { !$0.decision.allowed }) {
            let wait = RateLimitHeaders.seconds(RateLimitHeaders.retryAfter(outcome.map(\.decision)) ?? .zero)
            let (head, body) = GatewayResponses.rateLimited(
                policy: denied.policy.name, retryAfter: wait, instance: loggedPath,
                requestID: requestID, fields: rateLimitFields, allocator: handler.allocator
            )
            return respondLocally(head, body)
        }
        rateLimitFields.removeAll { $0.name == "Retry-After" }
        admitted()
    }

    private func admitted() {
        guard !finished, let route else { return }
        route.cluster.retryBudget.recordCall()
        if expectsContinue, !requestEnded {
            continueSent = true
            handler.writeInformationalHead(HTTPResponseHead(version: clientHead.version, status: .continue))
        }
        deadline = eventLoop.scheduleTask(in: .nanoseconds(route.timeoutNanoseconds)) { [self] in deadlinePassed() }
        startAttempt()
    }

    func requestBody(_ buffer: ByteBuffer) {
        guard !finished else { return }
        bodyBytes += buffer.readableBytes
        let maxBody = runtime.configuration.server.maxBodyBytes
        if maxBody > 0, bodyBytes > maxBody {
            return failRequest(.payloadTooLarge, "request body exceeds the limit of \(maxBody) bytes")
        }
        body.append(buffer)
        if replayable, let route, bodyBytes > route.cluster.settings.retry.bufferLimit { replayable = false }
        if let connection = current?.connection {
            connection.handler.write(.body(.byteBuffer(buffer)))
            connection.handler.flush()
            sentParts = body.count
            dropSentBodyIfNotReplayable()
        }
    }

    func requestEnd() {
        requestEnded = true
        guard !finished else { return }
        if let connection = current?.connection {
            connection.handler.write(.end(nil))
            connection.handler.flush()
        }
    }

    private func dropSentBodyIfNotReplayable() {
        guard !replayable, sentParts > 0 else { return }
        body.removeFirst(sentParts)
        sentParts = 0
    }

    /// Hold client reads while the upstream is not writable, or while too much body waits for a connection.
    var shouldHoldClientReads: Bool {
        if finished { return false }
        if let connection = current?.connection { return !connection.channel.isWritable }
        let unsent = body.dropFirst(sentParts).reduce(0) { $0 + $1.readableBytes }
        return unsent > (route?.cluster.settings.retry.bufferLimit ?? 65_536)
    }

    func clientBecameWritable() {
        current?.connection?.handler.resumeReading()
    }

    func clientClosed() {
        guard !finished else { return }
        finished = true
        cancelTimers()
        if let attempt = current {
            attempt.permit?.ignored()
            attempt.target.requestFinished()
            attempt.connection?.handler.delegate = nil
            attempt.connection?.close()
            current = nil
        }
    }

    static func path(of uri: String) -> String {
        String(uri.prefix { $0 != "?" && $0 != "#" })
    }
}
