import NIOCore
import NIOHTTP1

extension ExchangeStateMachine {
    /// What the shell does after an event. One action per event, as in AsyncHTTPClient's
    /// `HTTPRequestStateMachine`: where an event has several effects the action names them all and the
    /// shell performs them in the order documented on the case.
    ///
    /// Actions that end the exchange (``finishResponse(head:_:_:)``, ``answer(_:_:_:)``,
    /// ``abortResponse(_:)``, ``abandon(_:)``) also cancel every timer; all of them except
    /// ``abandon(_:)`` count the request and write its access-log line.
    enum Action: Equatable {
        /// Nothing to do.
        case none
        /// Check the route's rate limits; answer with ``ExchangeStateMachine/rateLimitAllowed(now:)`` or
        /// ``ExchangeStateMachine/rateLimitDenied(policy:retryAfterSeconds:)``.
        case checkRateLimit
        /// The request is admitted: count it towards the retry budget, write `100 Continue` when
        /// `sendContinue`, schedule the whole-request deadline at `deadline`, then pick a target as for
        /// ``pickTarget(excluding:)`` with no target excluded.
        case admit(sendContinue: Bool, deadline: Int64)
        /// The request is admitted on a cached route: count it towards the retry budget, schedule the
        /// whole-request deadline at `deadline`, then look the request up in the response cache; answer
        /// with ``ExchangeStateMachine/cacheAnswered(status:)`` or
        /// ``ExchangeStateMachine/cacheMissed(revalidatingStatus:staleFallbackStatus:)``.
        case consultCache(deadline: Int64)
        /// Settle the attempt if there is one, then answer the client from the response cache as
        /// `serve` says, count and log it, and finish the client's response.
        case serveFromCache(CacheServe, AttemptSettlement?, ResponseCompletion)
        /// Pick a target, avoiding those whose number modulo 64 is set in `excluding` where another is
        /// available; taking its breaker permit and counting it in flight. Answer with
        /// ``ExchangeStateMachine/targetPicked(number:now:)`` or
        /// ``ExchangeStateMachine/noTargetAvailable()``.
        case pickTarget(excluding: UInt64)
        /// Schedule the per-try timer at `perTryDeadline` (when there is one), then get a connection to
        /// the picked target (an idle one from the pool, or a new one) for attempt number `attempt`;
        /// answer with ``ExchangeStateMachine/connected(attempt:)`` or
        /// ``ExchangeStateMachine/connectFailed(attempt:_:)``.
        case connect(attempt: Int, perTryDeadline: Int64?)
        /// Write this part of the request body to the connection in use and flush.
        case forwardRequestBody(ByteBuffer)
        /// Write the end of the request to the connection in use and flush.
        case sendRequestEnd
        /// Take one retry from the upstream's retry budget; answer with
        /// ``ExchangeStateMachine/retryBudgetAnswered(granted:using:)``.
        case askRetryBudget
        /// Settle the failed attempt, count a retry, then wait `after` (none when zero) and report
        /// ``ExchangeStateMachine/backoffElapsed()``.
        case retry(AttemptSettlement, after: Duration)
        /// A response head came: the per-try timer no longer matters.
        case cancelPerTryTimer
        /// An audited response head came (`+Audit`): cancel the per-try timer, then append the request's
        /// `request` record for `head` (attempt number `attempt`). With `waitForDisk`, hold the upstream's
        /// reads until the release, and report ``ExchangeStateMachine/auditRecorded(attempt:now:)`` once
        /// the record is on disk or ``ExchangeStateMachine/auditFailed(attempt:now:)``.
        case recordAudit(head: HTTPResponseHead, attempt: Int, waitForDisk: Bool)
        /// A response held for its `request` record is released: let the upstream's reads resume, write
        /// `head`, then each part of `body`, then do what `followUp` says.
        case releaseResponse(head: HTTPResponseHead, body: [ByteBuffer], ExchangeStateMachine.ReleaseFollowUp)
        /// Write `head` first when given (it was held), then this part of the response body.
        case forwardResponseBody(ByteBuffer, head: HTTPResponseHead?)
        /// The upstream's read batch ended: write `head` when given (it was held), then flush.
        case flushResponse(head: HTTPResponseHead?)
        /// A streaming response's held head is relayed: cancel the whole-request deadline (it no longer
        /// applies), write `head`, then `body` when given, flush, and schedule the stream idle timer at
        /// `idleDeadline`; it reports ``ExchangeStateMachine/streamIdleTimerFired(now:)``.
        case startStreaming(head: HTTPResponseHead, body: ByteBuffer?, idleDeadline: Int64)
        /// The stream idle timer fired, but body bytes came since it was armed: schedule it again at
        /// `deadline`.
        case armStreamIdleTimer(at: Int64)
        /// The response is complete: write `head` when given, settle the attempt (its connection back
        /// to the pool or closed), count and log the request, then finish the client's response.
        case finishResponse(head: HTTPResponseHead?, AttemptSettlement, ResponseCompletion)
        /// Settle the attempt if there is one, then answer the client with `answer`, count and log it,
        /// and finish the client's response.
        case answer(ExchangeAnswer, AttemptSettlement?, ResponseCompletion)
        /// A response that started cannot be completed: settle the attempt if there is one, count and
        /// log the request, and cut the client's connection so it sees a broken message.
        case abortResponse(AttemptSettlement?)
        /// The client went away: settle the attempt if there is one. Nothing is written or logged.
        case abandon(AttemptSettlement?)
        /// A target was picked for an exchange that ended meanwhile: settle it at once.
        case settle(AttemptSettlement)
        /// The upstream answered 401 to the gateway's token (already reported to its provider): settle the
        /// attempt (its connection closed), then wait for a token as for ``awaitToken``.
        case refreshCredentials(AttemptSettlement)
        /// The target switched protocols (`101` naming the protocol asked for): cancel every timer, count
        /// and log the request with status 101, write `head` to the client, and turn both connections into
        /// a byte relay (`Proxy/Upgrade/`). When the relay ends, report
        /// ``ExchangeStateMachine/upgradedConnectionEnded()``.
        case switchProtocols(head: HTTPResponseHead)
        /// The upgraded connection ended: settle the attempt (its connection is closed, never pooled).
        case finishUpgrade(AttemptSettlement)
        /// Wait for the upstream's OAuth2 token; answer with ``ExchangeStateMachine/credentialsRefreshed()``
        /// or ``ExchangeStateMachine/credentialsUnavailable(_:)``.
        case awaitToken
    }

    /// What to do with a connection that arrived for an attempt.
    enum ConnectionDecision: Equatable {
        /// Make it the attempt's connection: write the request head, then `body`, then the end of the
        /// request when `end`, flush, and let the client's reads resume.
        case sendRequest(body: [ByteBuffer], end: Bool)
        /// Its attempt is over (timed out, settled, or the exchange ended): return it to the pool.
        case returnToPool
    }

    /// How the client's response ends (see `ProxyServerHandler.finishResponse`).
    struct ResponseCompletion: Equatable {
        /// Whether the whole request was read from the client.
        var requestComplete: Bool
        /// Whether the client connection closes after the response.
        var close: Bool
        /// Body bytes the client has still to send (nil when unknown: chunked; `Int.max` when it waits
        /// for a `100 Continue` it never got).
        var unreadBody: Int?
    }
}
