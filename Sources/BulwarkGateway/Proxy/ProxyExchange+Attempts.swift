import NIOCore
import NIOHTTP1
import Resilience

/// Attempts: choosing a target, connecting, sending, and deciding what a failure leads to.
extension ProxyExchange {
    /// Why an attempt failed.
    enum AttemptFailure {
        case connect(any Error)
        case connectionLost(any Error)
        /// Ambiguous or broken framing (e.g. Content-Length with Transfer-Encoding): the connection is closed.
        case malformedResponse(any Error)
        case perTryTimeout
        case status(Int)

        var description: String {
            switch self {
            case .connect(let error): "connect failed: \(ConnectFailureDescription.describe(error))"
            case .connectionLost(let error): "connection lost: \(error)"
            case .malformedResponse(let error): "malformed response: \(error)"
            case .perTryTimeout: "per-try timeout"
            case .status(let code): "status \(code)"
            }
        }
    }

    func startAttempt() {
        guard !finished, let route else { return }
        let now = Self.now()
        guard let (target, permit) = route.cluster.pick(at: now, tried: tried) else {
            return respondError(.serviceUnavailable, "no healthy target in upstream '\(route.cluster.name)'")
        }
        attempts += 1
        tried |= 1 << UInt64(target.index % 64)
        lastTarget = target.target.authority
        target.requestStarted()
        let attempt = Attempt(target: target, permit: permit)
        current = attempt
        let retry = route.cluster.settings.retry
        if let perTry = retry.perTryTimeout {
            attempt.perTryTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(perTry.nanoseconds)) { [self] in
                guard current === attempt, !attempt.responseHeadReceived else { return }
                attemptFailed(attempt, .perTryTimeout)
            }
        }
        let pool = runtime.pool(for: eventLoop)
        let connectTimeout = TimeAmount.nanoseconds(route.cluster.settings.connectTimeout.nanoseconds)
        if let connection = pool.idleConnection(to: target, now: now) {
            return attach(connection, to: attempt)
        }
        let future = pool.connect(target, address: runtime.address(for: target), connectTimeout: connectTimeout)
        future.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let connection):
                guard current === attempt, !finished else {
                    pool.release(connection, maximumIdle: route.cluster.settings.maxIdleConnections, now: Self.now())
                    return
                }
                attach(connection, to: attempt)
            case .failure(let error):
                guard current === attempt else { return }
                attemptFailed(attempt, .connect(error))
            }
        }
    }

    private func attach(_ connection: UpstreamConnection, to attempt: Attempt) {
        attempt.connection = connection
        connection.handler.delegate = self
        guard var upstreamHead else { return }
        if vetted?.host == nil {
            // An HTTP/1.0 request without Host goes upstream as HTTP/1.1, which must carry one.
            upstreamHead.headers.add(name: "Host", value: attempt.target.target.authority)
        }
        connection.handler.write(.head(upstreamHead))
        for part in body { connection.handler.write(.body(.byteBuffer(part))) }
        sentParts = body.count
        if requestEnded { connection.handler.write(.end(nil)) }
        connection.handler.flush()
        if !replayable { body.removeAll(); sentParts = 0 }
        handler.resumeReading()
    }

    /// Records the failure on the target and retries or answers.
    /// `retry` is the decision when the caller already made it (it spends retry budget).
    func attemptFailed(_ attempt: Attempt, _ failure: AttemptFailure, retry: Bool? = nil) {
        guard current === attempt, let route else { return }
        finishAttempt(attempt, succeeded: false, reason: failure.description)
        if retry ?? canRetry(after: failure) {
            scheduleRetry()
            return
        }
        switch failure {
        case .connect:
            respondError(.badGateway, "could not connect to upstream '\(route.cluster.name)' (\(lastTarget ?? "?"))")
        case .connectionLost:
            respondError(.badGateway, "upstream '\(route.cluster.name)' (\(lastTarget ?? "?")) closed the connection before answering")
        case .malformedResponse:
            respondError(.badGateway, "upstream '\(route.cluster.name)' (\(lastTarget ?? "?")) sent a malformed response")
        case .perTryTimeout:
            respondError(.gatewayTimeout, "upstream '\(route.cluster.name)' did not answer within the per-try timeout")
        case .status(let code):
            respondError(.badGateway, "upstream '\(route.cluster.name)' answered \(code)")
        }
    }

    /// Ends an attempt's bookkeeping: breaker, outlier detection, in-flight count, connection.
    func finishAttempt(_ attempt: Attempt, succeeded: Bool, reason: String = "", reuse: Bool = false) {
        attempt.perTryTimer?.cancel()
        attempt.target.requestFinished()
        if succeeded {
            attempt.permit?.succeeded()
            attempt.target.callSucceeded()
        } else {
            attempt.permit?.failed()
            route?.cluster.recordFailure(attempt.target, at: Self.now(), reason: reason)
        }
        if let connection = attempt.connection {
            connection.handler.delegate = nil
            if reuse, let route {
                runtime.pool(for: eventLoop).release(connection, maximumIdle: route.cluster.settings.maxIdleConnections, now: Self.now())
            } else {
                connection.close()
            }
        }
        current = nil
    }

    func canRetry(after failure: AttemptFailure) -> Bool {
        guard let route, !finished, !responseStarted else { return false }
        let retry = route.cluster.settings.retry
        guard attempts < retry.attempts, replayable, retry.methods.contains(clientHead.method.rawValue) else { return false }
        if case .status(let code) = failure, !retry.statuses.contains(code) { return false }
        return route.cluster.retryBudget.tryWithdrawRetry()
    }

    private func scheduleRetry() {
        guard let route else { return }
        runtime.telemetry.retried(upstream: route.cluster.name)
        var random = SystemRandomNumberGenerator()
        let delay = route.cluster.backoff.delay(attempt: attempts, previous: previousBackoff, using: &random)
        previousBackoff = delay
        let nanos = delay.nanoseconds
        if nanos <= 0 {
            startAttempt()
        } else {
            backoffTimer = eventLoop.scheduleTask(in: .nanoseconds(nanos)) { [self] in startAttempt() }
        }
    }

    func deadlinePassed() {
        guard !finished else { return }
        if let attempt = current { finishAttempt(attempt, succeeded: false, reason: "request timeout") }
        if responseStarted, !withdrawPendingResponseHead() {
            finished = true
            cancelTimers()
            logAccess()
            handler.abortResponse()
        } else {
            respondError(.gatewayTimeout, "upstream '\(route?.cluster.name ?? "?")' did not answer within \(Duration.nanoseconds(route?.timeoutNanoseconds ?? 0).humanReadable)")
        }
    }

    func cancelTimers() {
        deadline?.cancel()
        deadline = nil
        backoffTimer?.cancel()
        backoffTimer = nil
        current?.perTryTimer?.cancel()
    }
}
