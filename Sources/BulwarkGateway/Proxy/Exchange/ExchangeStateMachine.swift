import BulwarkConfig
import NIOCore
import NIOHTTP1

/// The decisions of one request through the gateway, from its vetted head to the end of its response,
/// as a pure value: ``ProxyExchange`` reports what happened (the client sent body bytes, a target was
/// picked, an upstream answered, a timer fired) and performs the ``Action`` each event returns. It reads
/// no clock (times come in as `now`, monotonic nanoseconds, and leave as deadlines), does no I/O and
/// holds no object references. Modelled on AsyncHTTPClient's `HTTPRequestStateMachine` and
/// `RequestBag.StateMachine`.
///
/// ```
/// receivingHead ─▶ checkingRateLimit ─▶ choosingTarget ─▶ connecting ─▶ awaitingHead ─▶ streaming ─▶ finished
///                         └─ consultingCache ─┘ (cached routes: a hit finishes from the cache)
///                                                                                 └─ 101 ─▶ upgraded ─▶ finished
///                                            ▲                 │              │
///                                            ├── backingOff ◀── decidingRetry ◀┤   (any state ─▶ finished)
///                                            ├── awaitingToken ◀── (no OAuth2 token yet: before any target is picked)
///                                            └── awaitingToken ◀───────────────┘   (401 to the gateway's token, once)
/// ```
///
/// Invariants, property-tested: every target picked is settled exactly once; at most one response is
/// started and finished; the request head goes to each attempt at most once; nothing goes upstream
/// after the client got its answer.
///
/// A streaming response (`text/event-stream`, or any on a route with `streaming: true`;
/// `+Streaming`) trades the whole-request deadline for a stream idle deadline once its head is relayed.
///
/// The retry budget is an action: when every other condition allows a retry the machine returns
/// ``Action/askRetryBudget`` and the shell answers ``retryBudgetAnswered(granted:using:)``, so budget is
/// only spent on retries that would happen.
struct ExchangeStateMachine {
    /// Where the exchange is.
    enum State: Equatable {
        /// The head is being vetted and routed.
        case receivingHead
        /// Waiting for an issuer's key set to be fetched again before the bearer token is verified and
        /// the request routed (`+Auth`).
        case authenticating
        /// Waiting for the route's rate limits.
        case checkingRateLimit
        /// Waiting for the response cache (`routes[].cache`): a stored response answers, or the request
        /// goes upstream (`+Cache`).
        case consultingCache
        /// Waiting for the shell to pick a target.
        case choosingTarget
        /// Waiting for a connection to the attempt's target.
        case connecting(Attempt)
        /// The request went upstream (its body may still stream); no final response head yet.
        case awaitingHead(Attempt)
        /// The attempt failed and may be retried: waiting for the retry budget. `head` is the response
        /// whose status asked for the retry; it is relayed if the budget says no.
        case decidingRetry(Attempt, AttemptFailure, head: HTTPResponseHead?)
        /// Relaying the response. `heldHead` is its head while it is held back (until body bytes, the
        /// end, or the end of the read batch): a failure before then can still become a clean answer.
        case streaming(Attempt, heldHead: HTTPResponseHead?)
        /// An audited response's head waits for its `request` record to be on disk (`audit.durability:
        /// sync`, `+Audit`); upstream body parts and the end that came meanwhile are kept.
        case recordingAudit(Attempt, head: HTTPResponseHead, body: [ByteBuffer], ended: Bool)
        /// Waiting out the backoff before the next attempt.
        case backingOff
        /// Waiting for an OAuth2 token (`credentials:`): none was valid when a target was to be picked, or
        /// an upstream answered 401 to the gateway's token. No target is held meanwhile.
        case awaitingToken
        /// The target answered `101 Switching Protocols` to an upgrade: both connections relay bytes
        /// (`Proxy/Upgrade/`); the attempt stays open (in flight on its target) until the relay ends.
        case upgraded(Attempt)
        /// Answered, aborted or abandoned: later events change nothing.
        case finished
    }

    /// One try against one target.
    struct Attempt: Equatable {
        /// 1 for the first attempt.
        let number: Int
        /// A response head came (even an informational one): the per-try timeout no longer applies.
        var headReceived = false
        /// The response allows its connection to be kept alive.
        var keepAlive = true
        /// The response says where it ends; one read until the upstream closed leaves a connection that
        /// cannot be reused.
        var framed = true
    }

    // The stored state is internal only so that the machine's extensions in
    // `ExchangeStateMachine+Attempts.swift` and `+Response.swift` can change it: only the machine's
    // own methods do; the shell and the tests read it.

    /// Where the exchange is.
    var state: State = .receivingHead
    /// The request's method (HEAD responses have no body).
    let method: HTTPMethod
    /// What the vetted head said about the body.
    var request = ExchangeRequest.unvetted
    /// The route's settings (nil until routed).
    var policy: ExchangePolicy?
    /// The request body kept for sending and replay.
    var body = RequestReplayBuffer()
    /// A `100 Continue` was written.
    var continueSent = false
    /// Attempts made so far.
    var attempts = 0
    /// The targets tried, one bit per target number modulo 64.
    var triedTargets: UInt64 = 0
    /// The delay before the latest retry (decorrelated jitter grows from it).
    var previousBackoff: Duration?
    /// The one retry after a 401 with the gateway's token was used.
    var credentialsRetried = false
    /// The status of the response the client gets (relayed, or answered by the gateway); 0 while there
    /// is none.
    var responseStatus = 0
    /// Response body bytes relayed from the upstream.
    var responseBytes = 0
    /// The streaming response under way (see `+Streaming`), nil while there is none: the whole-request
    /// deadline no longer applies, the stream idle timeout does.
    var stream: ResponseStream?
    /// What the response cache told the exchange when it went upstream (`+Cache`): a stored response
    /// being revalidated, a stale one to fall back on, and a substitution decided from the upstream's head.
    var cache = CacheParticipation()

    /// A machine for a request with `method` whose head is being vetted.
    init(method: HTTPMethod) {
        self.method = method
    }

    // MARK: What the shell asks

    /// Whether a response is under way (held, written or answered): a second answer would be one too many.
    var responseStarted: Bool { responseStatus != 0 }

    /// Whether the exchange has ended.
    var isFinished: Bool { state == .finished }

    /// Body bytes the client has still to send (nil when unknown: chunked); `Int.max` when it waits for a
    /// `100 Continue` it never got, and so may never send them.
    var unreadBody: Int? {
        if body.ended { return 0 }
        if request.expectsContinue, !continueSent { return .max }
        switch request.framing {
        case .none: return 0
        case .length(let length): return max(0, length - body.receivedBytes)
        case .chunked: return nil
        }
    }

    /// Whether the client's reads should wait: while a connection takes the body, as long as it is not
    /// writable; otherwise while more than the replay limit waits for a connection.
    func shouldHoldClientReads(upstreamIsWritable: Bool) -> Bool {
        switch state {
        case .finished: false
        case .awaitingHead, .decidingRetry, .streaming, .recordingAudit: !upstreamIsWritable
        case .upgraded: false
        default: body.unsentBytes > (policy?.replayBufferLimit ?? RetrySettings.Defaults.bufferLimit)
        }
    }

    /// The attempt under way, if any.
    var currentAttempt: Attempt? {
        switch state {
        case .connecting(let attempt), .awaitingHead(let attempt), .decidingRetry(let attempt, _, _), .streaming(let attempt, _),
             .upgraded(let attempt), .recordingAudit(let attempt, _, _, _): attempt
        default: nil
        }
    }

    // MARK: The request's head

    /// The head failed vetting.
    mutating func headRejected(_ status: HTTPResponseStatus, message: String) -> Action {
        answer(.rejected(status, message: message))
    }

    /// The head passed vetting; `policy` is its route's, nil when no route matched.
    mutating func headAccepted(_ request: ExchangeRequest, policy: ExchangePolicy?, now: Int64) -> Action {
        guard state == .receivingHead || state == .authenticating else { return .none }
        self.request = request
        if request.maxBodyBytes > 0, case .length(let length) = request.framing, length > request.maxBodyBytes {
            return answer(.declaredBodyTooLarge(length: length, limit: request.maxBodyBytes))
        }
        guard let policy else { return answer(.noRoute) }
        self.policy = policy
        if policy.checksRateLimits {
            state = .checkingRateLimit
            return .checkRateLimit
        }
        return admit(now: now)
    }

    /// Every rate limit of the route allowed the request.
    mutating func rateLimitAllowed(now: Int64) -> Action {
        guard state == .checkingRateLimit else { return .none }
        return admit(now: now)
    }

    /// A rate limit of the route denied the request.
    mutating func rateLimitDenied(policy name: String, retryAfterSeconds: Int64) -> Action {
        guard state == .checkingRateLimit else { return .none }
        return answer(.rateLimited(policy: name, retryAfterSeconds: retryAfterSeconds))
    }

    private mutating func admit(now: Int64) -> Action {
        guard let policy else { return .none }
        if policy.consultsCache {
            state = .consultingCache
            return .consultCache(deadline: now + policy.requestTimeout)
        }
        continueSent = request.expectsContinue && !body.ended
        state = .choosingTarget
        return .admit(sendContinue: continueSent, deadline: now + policy.requestTimeout)
    }

    // MARK: The request's body

    /// The client sent a part of the body.
    mutating func requestBodyReceived(_ part: ByteBuffer) -> Action {
        guard state != .finished else { return .none }
        // HTTP/1.1 cannot deliver a body its head did not frame; HTTP/2 can (a GET whose HEADERS lack
        // END_STREAM, then DATA, with no content-length). Forwarded, those bytes would follow a head
        // framed without a body: refused instead.
        if request.framing == .none, part.readableBytes > 0 {
            return requestBodyFailed(.requestBodyFailed(.badRequest, message: "the request carries a body its head did not announce (no content-length)"))
        }
        body.append(part)
        if request.maxBodyBytes > 0, body.receivedBytes > request.maxBodyBytes {
            return requestBodyFailed(.bodyTooLarge(limit: request.maxBodyBytes))
        }
        if body.replayable, let policy, body.receivedBytes > policy.replayBufferLimit { body.stopReplaying() }
        switch state {
        case .awaitingHead, .decidingRetry, .streaming, .recordingAudit:
            body.latestPartSent()
            return .forwardRequestBody(part)
        default:
            return .none
        }
    }

    /// The client sent the end of the request.
    mutating func requestEnded() -> Action {
        body.ended = true
        switch state {
        case .awaitingHead, .decidingRetry, .streaming, .recordingAudit: return .sendRequestEnd
        default: return .none
        }
    }

    /// The client's body failed (it stalled): answer with `status` if no response started, otherwise cut.
    mutating func requestBodyFailed(_ status: HTTPResponseStatus, message: String) -> Action {
        requestBodyFailed(.requestBodyFailed(status, message: message))
    }

    private mutating func requestBodyFailed(_ failure: ExchangeAnswer) -> Action {
        guard state != .finished else { return .none }
        // The upstream did nothing wrong: its attempt counts as a success, and its connection is closed
        // because the request on it is incomplete.
        let settlement = currentAttempt.map { AttemptSettlement(attempt: $0.number, outcome: .succeeded, reusesConnection: false) }
        if responseStarted { return abort(settlement) }
        return answer(failure, settling: settlement)
    }

    /// The client's connection closed: the attempt is given back, nothing is written or logged.
    mutating func clientClosed() -> Action {
        guard state != .finished else { return .none }
        let settlement = currentAttempt.map { AttemptSettlement(attempt: $0.number, outcome: .ignored, reusesConnection: false) }
        end()
        return .abandon(settlement)
    }

    // MARK: Ending

    /// Ends the exchange with the gateway's own answer.
    mutating func answer(_ answer: ExchangeAnswer, settling settlement: AttemptSettlement? = nil) -> Action {
        guard state != .finished else { return .none }
        if answer.isUpstreamFailure, let stale = cache.staleFallbackStatus {
            // stale-if-error: the stored response stands in for the upstream's failure.
            end()
            responseStatus = stale
            responseBytes = 0
            return .serveFromCache(.staleOnError, settlement, completion(close: false))
        }
        end()
        responseStatus = Int(answer.status.code)
        responseBytes = 0
        return .answer(answer, settlement, completion(close: answer.closesConnection))
    }

    /// Ends the exchange by cutting a response that started.
    mutating func abort(_ settlement: AttemptSettlement?) -> Action {
        end()
        return .abortResponse(settlement)
    }

    mutating func end() {
        state = .finished
        body.discard()
    }

    func completion(close: Bool) -> ResponseCompletion {
        ResponseCompletion(requestComplete: body.ended, close: close, unreadBody: unreadBody)
    }
}

