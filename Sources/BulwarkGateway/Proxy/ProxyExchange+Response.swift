import NIOCore
import NIOHTTP1

/// An upstream response whose framing the gateway will not relay.
struct MalformedResponse: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// The response side: what the upstream sends, and the answers the gateway gives itself.
extension ProxyExchange: UpstreamConnectionDelegate {
    var clientIsWritable: Bool { handler.clientIsWritable }

    func upstreamResponseHead(_ head: HTTPResponseHead) {
        guard let attempt = current, !finished else { return }
        attempt.responseHeadReceived = true
        attempt.perTryTimer?.cancel()
        attempt.responseKeepAlive = head.isKeepAlive
        attempt.responseFramed = Self.isFramed(head, method: clientHead.method)
        let status = Int(head.status.code)
        if canRetryStatus(status) {
            // Not forwarded: this attempt's response is dropped with its connection, and another is made.
            attemptFailed(attempt, .status(status), retry: true)
            return
        }
        if head.status.code < 200 { return }   // 1xx from upstream: the client already got its 100 Continue
        if let problem = Self.framingProblem(head) {
            attemptFailed(attempt, .malformedResponse(MalformedResponse(reason: problem)))
            return
        }
        responseStarted = true
        responseStatus = status
        var headers = head.headers
        HopByHopHeaders.strip(&headers)
        headers.replaceOrAdd(name: "X-Request-ID", value: requestID)
        for field in rateLimitFields { headers.replaceOrAdd(name: field.name, value: field.value) }
        // Held until the first body bytes, the end or the end of this read batch: a framing error found
        // in the same batch still becomes a clean 502 instead of a cut connection.
        pendingResponseHead = HTTPResponseHead(version: clientHead.version, status: head.status, headers: headers)
    }

    /// Writes the response head held back by ``upstreamResponseHead(_:)``, once.
    private func writePendingResponseHead() {
        guard let head = pendingResponseHead else { return }
        pendingResponseHead = nil
        handler.writeResponseHead(head)
    }

    /// Forgets a response head no byte of which reached the client; returns whether there was one.
    func withdrawPendingResponseHead() -> Bool {
        guard pendingResponseHead != nil else { return false }
        pendingResponseHead = nil
        responseStarted = false
        responseStatus = 0
        return true
    }

    /// A response `Transfer-Encoding` other than a single `chunked` or `identity` (RFC 9112 §6.1, §7.1)
    /// cannot be relayed: the gateway re-frames bodies and would mislabel any other coding.
    static func framingProblem(_ head: HTTPResponseHead) -> String? {
        let codings = head.headers["Transfer-Encoding"]
        guard !codings.isEmpty else { return nil }
        let tokens = codings.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters().lowercased() }.filter { !$0.isEmpty }
        // A single chunked is relayed re-chunked; identity alone means "read until close" (RFC 9112 §6.3).
        if tokens == ["chunked"] || (!tokens.isEmpty && tokens.allSatisfy { $0 == "identity" }) { return nil }
        return "Transfer-Encoding \(tokens.joined(separator: ", ")) is neither a single chunked nor identity"
    }

    /// Whether a response says where its body ends (RFC 9112 §6.3); otherwise it is read until the
    /// upstream closes, re-framed to the client, and its connection is not reused.
    static func isFramed(_ head: HTTPResponseHead, method: HTTPMethod) -> Bool {
        let code = head.status.code
        if method == .HEAD || code < 200 || code == 204 || code == 304 { return true }
        return head.headers.contains(name: "Content-Length") || head.headers.contains(name: "Transfer-Encoding")
    }

    private func canRetryStatus(_ status: Int) -> Bool {
        guard let route, route.cluster.settings.retry.statuses.contains(status) else { return false }
        return canRetry(after: .status(status))
    }

    func upstreamResponseBody(_ buffer: ByteBuffer) {
        guard responseStarted, !finished else { return }
        writePendingResponseHead()
        responseBytes += buffer.readableBytes
        handler.writeResponseBody(buffer)
    }

    func upstreamResponseEnd() {
        guard let attempt = current, responseStarted, !finished else { return }
        writePendingResponseHead()
        finished = true
        cancelTimers()
        let reusable = attempt.responseKeepAlive && attempt.responseFramed && requestEnded && sentParts == body.count
        finishAttempt(attempt, succeeded: responseStatus < 500, reason: "status \(responseStatus)", reuse: reusable)
        logAccess()
        handler.finishResponse(requestComplete: requestEnded, close: false, unreadBody: unreadBody)
    }

    func upstreamFailed(_ error: any Error) {
        guard let attempt = current, !finished else { return }
        if responseStarted, !withdrawPendingResponseHead() {
            finished = true
            cancelTimers()
            finishAttempt(attempt, succeeded: false, reason: "connection lost mid-response: \(error)")
            logAccess()
            handler.abortResponse()
            return
        }
        attemptFailed(attempt, error is HTTPParserError ? .malformedResponse(error) : .connectionLost(error))
    }

    func upstreamReadComplete() {
        if responseStarted, !finished {
            writePendingResponseHead()
            handler.flushResponse()
        }
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { handler.resumeReading() }
    }

    // MARK: Local answers

    /// Answers with a JSON error. `close` also closes the connection afterwards (used when the rest of
    /// the request cannot be trusted or read).
    func respondError(_ status: HTTPResponseStatus, _ message: String, close: Bool = false) {
        let (head, body) = GatewayResponses.error(status, message: message, requestID: requestID.isEmpty ? RequestID.generate() : requestID, allocator: handler.allocator)
        respondLocally(head, body, close: close)
    }

    /// A request body outgrew a limit mid-stream: answer if nothing was sent yet, otherwise cut.
    func failRequest(_ status: HTTPResponseStatus, _ message: String) {
        if let attempt = current { finishAttempt(attempt, succeeded: true) }
        if responseStarted {
            finished = true
            cancelTimers()
            logAccess()
            handler.abortResponse()
        } else {
            respondError(status, message, close: true)
        }
    }

    func respondLocally(_ head: HTTPResponseHead, _ body: ByteBuffer, close: Bool = false) {
        guard !finished else { return }
        finished = true
        cancelTimers()
        if let attempt = current { finishAttempt(attempt, succeeded: false, reason: "abandoned") }
        responseStarted = true
        responseStatus = Int(head.status.code)
        responseBytes = body.readableBytes
        var head = head
        head.version = clientHead.version
        for field in rateLimitFields where !head.headers.contains(name: field.name) {
            head.headers.add(name: field.name, value: field.value)
        }
        handler.writeResponseHead(head)
        handler.writeResponseBody(body)
        logAccess()
        handler.finishResponse(requestComplete: requestEnded, close: close, unreadBody: unreadBody)
    }

    /// The exchange is over: counts it and writes its access-log line.
    func logAccess() {
        let duration = Self.now() - startedAt
        runtime.telemetry.requestCompleted(routeIndex: route?.telemetrySlot, method: clientHead.method.rawValue, status: responseStatus, nanoseconds: duration)
        guard runtime.accessLog.isEnabled else { return }
        runtime.accessLog.record(AccessLogEntry(
            requestID: requestID, method: clientHead.method.rawValue, path: loggedPath,
            status: responseStatus, route: route?.label, target: lastTarget, attempts: attempts,
            durationNanoseconds: duration, client: clientAddress, bytesSent: responseBytes
        ))
    }
}
