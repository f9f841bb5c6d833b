import NIOCore
import NIOHTTP1

/// Performing what the machine decided. Each case only does I/O; whatever comes back (a target, a
/// connection, the retry budget's answer, a timer) is reported to the machine as an event.
extension ProxyExchange {
    func perform(_ action: ExchangeStateMachine.Action) {
        switch action {
        case .none:
            break
        case .checkRateLimit:
            checkRateLimit()
        case .admit(let sendContinue, let deadline):
            guard let cluster = context?.route?.cluster else { break }
            cluster.retryBudget.recordCall()
            if sendContinue {
                handler.writeInformationalHead(HTTPResponseHead(version: clientHead.version, status: .continue))
            }
            armDeadline(at: deadline)
            pickTarget(excluding: 0)
        case .consultCache(let deadline):
            consultCache(deadline: deadline)
        case .serveFromCache(let serve, let settlement, let completion):
            if let settlement { settle(settlement) }
            cancelTimers()
            afterAuditRecord { [self] in
                writeFromCache(serve, completion)
                auditEnded("complete", answeredByGateway: true)
            }
        case .pickTarget(let tried):
            pickTarget(excluding: tried)
        case .connect(let attempt, let perTryDeadline):
            if let perTryDeadline {
                perTryTimer = schedule(at: perTryDeadline) { $0.perform($0.machine.perTryTimeoutFired(attempt: attempt)) }
            }
            connect(attempt: attempt)
        case .forwardRequestBody(let part):
            connection?.handler.write(.body(.byteBuffer(part)))
            connection?.handler.flush()
        case .sendRequestEnd:
            connection?.handler.write(.end(nil))
            connection?.handler.flush()
        case .askRetryBudget:
            let granted = context?.route?.cluster.retryBudget.tryWithdrawRetry() ?? false
            var random = SystemRandomNumberGenerator()
            perform(machine.retryBudgetAnswered(granted: granted, using: &random))
        case .retry(let settlement, let delay):
            settle(settlement)
            if let cluster = context?.route?.cluster { telemetry.retried(upstream: cluster.name) }
            if delay <= .zero {
                perform(machine.backoffElapsed())
            } else {
                backoffTimer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay.nanoseconds)) { [self] in
                    perform(machine.backoffElapsed())
                }
            }
        case .cancelPerTryTimer:
            perTryTimer?.cancel()
            perTryTimer = nil
        case .recordAudit(let head, let attempt, let waitForDisk):
            perTryTimer?.cancel()
            perTryTimer = nil
            recordRequest(head, attempt: attempt, waitForDisk: waitForDisk)
        case .releaseResponse(let head, let body, let followUp):
            releaseResponse(head, body: body, followUp)
        case .forwardResponseBody(let part, let head):
            if let head { writeResponseHead(head) }
            cacheSawBody(part)
            writeResponseBody(part)
        case .flushResponse(let head):
            if let head { writeResponseHead(head) }
            handler.flushResponse()
        case .startStreaming(let head, let body, let idleDeadline):
            deadlineTimer?.cancel()
            deadlineTimer = nil
            writeResponseHead(head)
            cacheSawStream()
            if let body { writeResponseBody(body) }
            handler.flushResponse()
            armStreamIdleTimer(at: idleDeadline)
        case .armStreamIdleTimer(let deadline):
            armStreamIdleTimer(at: deadline)
        case .finishResponse(let head, let settlement, let completion):
            if let head { writeResponseHead(head) }
            cacheSawEnd()
            cancelTimers()
            settle(settlement)
            logAccess(bytesSent: machine.responseBytes)
            auditEnded("complete")
            finish(completion)
        case .answer(let answer, let settlement, let completion):
            cacheSawNoResponse()
            if let settlement { settle(settlement) }
            cancelTimers()
            afterAuditRecord { [self] in
                respond(answer, completion)
                auditEnded("complete", answeredByGateway: true)
            }
        case .abortResponse(let settlement):
            cacheSawNoResponse()
            cancelTimers()
            if let settlement { settle(settlement) }
            logAccess(bytesSent: machine.responseBytes)
            auditEnded(Self.auditOutcome(ofAbort: settlement))
            handler.abortResponse()
        case .abandon(let settlement):
            cacheSawNoResponse(clientLeft: true)
            cancelTimers()
            if let settlement { settle(settlement) }
            auditEnded("client_closed")
        case .settle(let settlement):
            settle(settlement)
        case .refreshCredentials(let settlement):
            settle(settlement)
            awaitToken()
        case .awaitToken:
            awaitToken()
        case .switchProtocols(let head):
            cancelTimers()
            logAccess(bytesSent: 0)
            recordUpgrade(head)
            switchProtocols(head)
        case .finishUpgrade(let settlement):
            settle(settlement)
            auditEnded("upgraded connection closed")
        }
    }

    /// Picks a target (taking its breaker permit and counting it in flight) and tells the machine.
    private func pickTarget(excluding tried: UInt64) {
        guard let cluster = context?.route?.cluster else { return }
        if let provider = gatewayTokenProvider {
            // The token is taken before the target: a request never holds a target while it waits.
            guard let token = provider.currentToken() else { return perform(machine.tokenMissing()) }
            attemptToken = token
        }
        let now = Self.now()
        guard let (target, permit) = cluster.pick(at: now, tried: tried) else {
            return perform(machine.noTargetAvailable())
        }
        target.requestStarted()
        self.target = target
        self.permit = permit
        lastTarget = target.target.authority
        perform(machine.targetPicked(number: target.index, now: now))
    }

    /// Tells the target how its attempt ended and returns or closes the attempt's connection.
    func settle(_ settlement: AttemptSettlement) {
        perTryTimer?.cancel()
        perTryTimer = nil
        let cluster = context?.route?.cluster
        if let target {
            target.requestFinished()
            switch settlement.outcome {
            case .succeeded:
                permit?.succeeded()
                target.callSucceeded()
            case .failed(let failure):
                permit?.failed()
                cluster?.recordFailure(target, at: Self.now(), reason: failure.description)
            case .ignored:
                permit?.ignored()
            }
        }
        target = nil
        permit = nil
        if let connection {
            connection.handler.delegate = nil
            if settlement.reusesConnection, let cluster, let pool = context?.pool {
                pool.release(connection, maximumIdle: cluster.settings.maxIdleConnections, now: Self.now())
            } else {
                connection.close()
            }
            self.connection = nil
        }
    }

    func schedule(at deadline: Int64, _ fire: @escaping (ProxyExchange) -> Void) -> Scheduled<Void> {
        eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(UInt64(max(0, deadline)))) { [self] in
            fire(self)
        }
    }

    /// (Re)arms the whole-request deadline; when it fires, the machine hears ``ExchangeStateMachine/deadlinePassed()``.
    func armDeadline(at deadline: Int64) {
        deadlineTimer?.cancel()
        deadlineTimer = schedule(at: deadline) { $0.perform($0.machine.deadlinePassed()) }
    }

    func armStreamIdleTimer(at deadline: Int64) {
        streamIdleTimer = schedule(at: deadline) { $0.perform($0.machine.streamIdleTimerFired(now: Self.now())) }
    }

    func cancelTimers() {
        deadlineTimer?.cancel()
        deadlineTimer = nil
        streamIdleTimer?.cancel()
        streamIdleTimer = nil
        backoffTimer?.cancel()
        backoffTimer = nil
        perTryTimer?.cancel()
        perTryTimer = nil
        cacheWaitTimer?.cancel()
        cacheWaitTimer = nil
    }

    func finish(_ completion: ExchangeStateMachine.ResponseCompletion) {
        handler.finishResponse(requestComplete: completion.requestComplete, close: completion.close, unreadBody: completion.unreadBody)
    }
}
