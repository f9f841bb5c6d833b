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
    var rateLimitFields: [(name: String, value: String)] = []

    // Request body.
    var body: [ByteBuffer] = []
    var bodyBytes = 0
    var sentParts = 0
    var replayable = true
    var requestEnded = false
    var expectsContinue = false

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
        clientAddress = runtime.clientResolver.clientAddress(peer: handler.peerAddress, forwardedFor: clientHead.headers["X-Forwarded-For"])
        if !clientHead.isKeepAlive || clientHead.version.major < 1 || (clientHead.version.major == 1 && clientHead.version.minor == 0) {
            handler.closeAfterCurrentResponse()
        }
        let headers = clientHead.headers
        if headers.contains(name: "Content-Length"), headers.contains(name: "Transfer-Encoding") {
            return respondError(.badRequest, "ambiguous framing: a request must not carry both Content-Length and Transfer-Encoding", close: true)
        }
        let maxBody = runtime.configuration.server.maxBodyBytes
        if maxBody > 0, let length = headers.first(name: "Content-Length").flatMap(Int.init), length > maxBody {
            return respondError(.payloadTooLarge, "request body of \(length) bytes exceeds the limit of \(maxBody) bytes", close: true)
        }
        guard let route = runtime.router.route(method: clientHead.method, uri: clientHead.uri) else {
            return respondError(.notFound, "no route for \(clientHead.method.rawValue) \(Self.path(of: clientHead.uri))")
        }
        self.route = route
        upstreamHead = makeUpstreamHead()
        if route.rateLimits.isEmpty {
            admitted()
        } else {
            runtime.rateLimiter.check(route.rateLimits, clientAddress: clientAddress, headers: headers, on: eventLoop) { outcome in
                self.rateLimited(outcome)
            }
        }
    }

    private func rateLimited(_ outcome: RouteRateLimiter.Outcome) {
        guard !finished else { return }
        let style = runtime.configuration.server.rateLimitHeaders
        rateLimitFields = RateLimitHeaders.fields(for: outcome, style: style)
        let allowed = outcome.allSatisfy(\.decision.allowed)
        if let route { runtime.telemetry.rateLimitDecision(routeIndex: route.index, allowed: allowed) }
        if let denied = outcome.first(where: { !$0.decision.allowed }) {
            let wait = RateLimitHeaders.seconds(RateLimitHeaders.retryAfter(outcome.map(\.decision)) ?? .zero)
            let (head, body) = GatewayResponses.rateLimited(
                policy: denied.policy.name, retryAfter: wait, instance: Self.path(of: clientHead.uri),
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

    // MARK: Building the upstream request

    private func makeUpstreamHead() -> HTTPRequestHead {
        var headers = clientHead.headers
        let chunked = HopByHopHeaders.strip(&headers)
        if chunked { headers.add(name: "Transfer-Encoding", value: "chunked") }
        if let expect = headers.first(name: "Expect"), expect.lowercased() == "100-continue" {
            headers.remove(name: "Expect")
            expectsContinue = true
        }
        let peer = handler.peerAddress
        let trusted = runtime.clientResolver.isTrusted(peer)
        if trusted, let existing = headers.first(name: "X-Forwarded-For") {
            let all = headers["X-Forwarded-For"].joined(separator: ", ")
            headers.replaceOrAdd(name: "X-Forwarded-For", value: existing.isEmpty ? peer : "\(all), \(peer)")
        } else {
            headers.replaceOrAdd(name: "X-Forwarded-For", value: peer)
        }
        if !trusted || !headers.contains(name: "X-Forwarded-Proto") { headers.replaceOrAdd(name: "X-Forwarded-Proto", value: "http") }
        if !trusted || !headers.contains(name: "X-Forwarded-Host") {
            if let host = headers.first(name: "Host") {
                headers.replaceOrAdd(name: "X-Forwarded-Host", value: host)
            } else {
                headers.remove(name: "X-Forwarded-Host")
            }
        }
        headers.replaceOrAdd(name: "X-Request-ID", value: requestID)
        return HTTPRequestHead(version: .http1_1, method: clientHead.method, uri: clientHead.uri, headers: headers)
    }

    static func path(of uri: String) -> String {
        String(uri.prefix { $0 != "?" && $0 != "#" })
    }
}
