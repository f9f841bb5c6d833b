import NIOCore
import NIOHTTP1

/// What the client sees: relayed response heads, the gateway's own answers, and the access-log line.
extension ProxyExchange {
    /// Writes a relayed response head (``relayedHead(_:)``).
    func writeResponseHead(_ head: HTTPResponseHead) {
        revokeIfLoggedOut(status: Int(head.status.code))
        handler.writeResponseHead(relayedHead(cacheSawHead(head)))
    }

    /// A target's response head as the client gets it: hop-by-hop fields removed, the request ID and
    /// rate-limit fields set, in the client's HTTP version.
    func relayedHead(_ head: HTTPResponseHead) -> HTTPResponseHead {
        var headers = head.headers
        HopByHopHeaders.strip(&headers)
        headers.replaceOrAdd(name: "X-Request-ID", value: context?.requestID ?? "")
        for field in context?.rateLimitFields ?? [] { headers.replaceOrAdd(name: field.name, value: field.value) }
        return HTTPResponseHead(version: clientHead.version, status: head.status, headers: headers)
    }

    /// Answers with the gateway's own response (JSON, or a problem document for 429), logs it and
    /// finishes the client's response.
    func respond(_ answer: ExchangeAnswer, _ completion: ExchangeStateMachine.ResponseCompletion) {
        let requestID = context?.requestID ?? RequestID.generate()
        let fields = context?.rateLimitFields ?? []
        var (head, body): (HTTPResponseHead, ByteBuffer)
        if case .rateLimited(let policy, let wait) = answer {
            (head, body) = GatewayResponses.rateLimited(
                policy: policy, retryAfter: wait, instance: context?.loggedPath ?? Self.path(of: clientHead.uri),
                requestID: requestID, fields: fields, allocator: handler.allocator
            )
        } else if case .unauthorized(let failure) = answer {
            (head, body) = GatewayResponses.unauthorized(
                failure, instance: context?.loggedPath ?? Self.path(of: clientHead.uri), requestID: requestID, allocator: handler.allocator
            )
        } else {
            (head, body) = GatewayResponses.error(answer.status, message: message(for: answer), requestID: requestID, allocator: handler.allocator)
        }
        head.version = clientHead.version
        for field in fields where !head.headers.contains(name: field.name) {
            head.headers.add(name: field.name, value: field.value)
        }
        handler.writeResponseHead(head)
        auditSawResponseBody(body)
        handler.writeResponseBody(body)
        logAccess(bytesSent: body.readableBytes)
        finish(completion)
    }

    /// The message of an answer, naming the upstream and target concerned.
    func message(for answer: ExchangeAnswer) -> String {
        let route = context?.route
        let upstream = route?.cluster.name ?? "?"
        let target = lastTarget ?? "?"
        switch answer {
        case .rejected(_, let message), .requestBodyFailed(_, let message):
            return message
        case .declaredBodyTooLarge(let length, let limit):
            return "request body of \(length) bytes exceeds the limit of \(limit) bytes"
        case .bodyTooLarge(let limit):
            return "request body exceeds the limit of \(limit) bytes"
        case .noRoute:
            return "no route for \(clientHead.method.rawValue) \(context?.loggedPath ?? Self.path(of: clientHead.uri))"
        case .rateLimited(let policy, let wait):
            return "rate limit '\(policy)' exceeded; retry in \(wait) s"
        case .noTargetAvailable:
            return "no healthy target in upstream '\(upstream)'"
        case .attemptFailed(.connect):
            return "could not connect to upstream '\(upstream)' (\(target))"
        case .attemptFailed(.connectionLost), .attemptFailed(.lostMidResponse):
            return "upstream '\(upstream)' (\(target)) closed the connection before answering"
        case .attemptFailed(.malformedResponse):
            return "upstream '\(upstream)' (\(target)) sent a malformed response"
        case .attemptFailed(.perTryTimeout):
            return "upstream '\(upstream)' did not answer within the per-try timeout"
        case .attemptFailed(.status(let code)):
            return "upstream '\(upstream)' answered \(code)"
        case .attemptFailed(.requestTimeout), .requestTimedOut:
            return "upstream '\(upstream)' did not answer within \(Duration.nanoseconds(route?.timeoutNanoseconds ?? 0).humanReadable)"
        case .attemptFailed(.streamIdleTimeout):
            return "upstream '\(upstream)' sent nothing for \((route?.settings.streamIdleTimeout ?? .zero).humanReadable)"
        case .credentialsUnavailable(let detail):
            return "the credentials for upstream '\(upstream)' are unavailable: \(detail)"
        case .unauthorized(let failure):
            return failure.detail
        case .auditUnavailable:
            return "the audit journal is unavailable"
        }
    }

    /// The exchange is over: counts it and writes its access-log line.
    func logAccess(bytesSent: Int) {
        let duration = Self.now() - startedAt
        let route = context?.route
        telemetry.requestCompleted(routeIndex: route?.telemetrySlot, method: clientHead.method.rawValue, status: machine.responseStatus, nanoseconds: duration)
        guard let context, context.accessLog.isEnabled else { return }
        context.accessLog.record(AccessLogEntry(
            requestID: context.requestID, method: clientHead.method.rawValue, path: context.loggedPath,
            status: machine.responseStatus, route: route?.label, target: lastTarget, attempts: machine.attempts,
            durationNanoseconds: duration, client: context.clientAddress, bytesSent: bytesSent, actor: context.token?.subject
        ))
    }
}
