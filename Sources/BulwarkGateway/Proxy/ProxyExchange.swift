import BulwarkAuth
import BulwarkCredentials
import NIOCore
import NIOHTTP1
import Resilience

/// One request through the gateway, from its head to the last byte of its response. The decisions
/// (attempts, retries, deadlines, what the client gets) are made by an ``ExchangeStateMachine``; this
/// shell reports events to it and performs the actions it returns (`+Actions`), holding only what I/O
/// needs: the client connection's handler, what the request captured at its start, the attempt's target,
/// permit and connection, and the timers. Lives on its connection's event loop and is only touched there
/// (hence `@unchecked Sendable` for the callbacks that hop back to that loop).
final class ProxyExchange: @unchecked Sendable {
    // Strong: a late timer or callback must never touch a freed handler. The cycle ends when the handler
    // drops its exchange (response finished, aborted, or connection closed).
    let handler: ProxyServerHandler
    let runtime: GatewayRuntime
    let telemetry: GatewayTelemetry
    let eventLoop: any EventLoop
    let clientHead: HTTPRequestHead
    let startedAt: Int64
    var machine: ExchangeStateMachine
    /// What the request took from the runtime in ``start()``.
    var context: ExchangeContext?

    // The attempt in use.
    var target: TargetState?
    var permit: CircuitBreakerPermit?
    var connection: UpstreamConnection?
    /// The authority of the last target tried (access log and answers).
    var lastTarget: String?

    // Timers; each reports an event to the machine when it fires.
    var deadlineTimer: Scheduled<Void>?
    var perTryTimer: Scheduled<Void>?
    var backoffTimer: Scheduled<Void>?
    /// A streaming response's idle timer (`routes[].stream_idle_timeout`).
    var streamIdleTimer: Scheduled<Void>?
    /// The OAuth2 token the current attempt carries (`credentials:`), to report if it is refused.
    var attemptToken: AccessToken?
    /// The response cache's part in this request (`routes[].cache`), nil on routes that do not cache.
    var cacheVisit: CacheVisit?
    /// The limit on waiting for another request's fetch of the same key.
    var cacheWaitTimer: Scheduled<Void>?
    /// The target whose stored responses a successful unsafe request invalidates (RFC 9111 §4.4): set
    /// for a `POST`, `PUT`, `DELETE`… on a route that caches.
    var invalidatesOnSuccess: (scheme: String, host: String, path: String, query: String?)?
    /// What an audited request gathers for its records (`+Audit`), nil when it is not audited.
    var auditTrail: ExchangeAuditTrail?

    init(handler: ProxyServerHandler, head: HTTPRequestHead) {
        self.handler = handler
        self.runtime = handler.runtime
        self.telemetry = handler.runtime.telemetry
        self.eventLoop = handler.context!.eventLoop  // the exchange is made in channelRead
        self.clientHead = head
        self.startedAt = Self.now()
        self.machine = ExchangeStateMachine(method: head.method)
        telemetry.requestStarted()
    }

    deinit { telemetry.requestEnded() }

    static func now() -> Int64 { Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds) }

    // MARK: Request from the client

    /// Vets the head and verifies its bearer token (when `auth:` is on), then routes it
    /// (``route(_:vetted:request:authentication:)``), taking from the runtime everything the request
    /// will use, and lets the machine decide.
    func start() {
        // One read of the snapshot in force: routes, limits and trusted proxies all from the same reload.
        let snapshot = runtime.snapshot
        let server = snapshot.configuration.server
        let clientAddress = snapshot.clientResolver.clientAddress(peer: handler.peerAddress, forwardedFor: clientHead.headers["X-Forwarded-For"])
        var context = ExchangeContext(
            requestID: RequestID.accept(clientHead.headers.first(name: "X-Request-ID")),
            clientAddress: clientAddress,
            loggedPath: Self.path(of: clientHead.uri),
            pool: runtime.pool(for: eventLoop),
            accessLog: runtime.accessLog,
            rateLimiter: runtime.rateLimiter,
            rateLimitHeaderStyle: server.rateLimitHeaders
        )
        if !clientHead.isKeepAlive || clientHead.version.major < 1 || (clientHead.version.major == 1 && clientHead.version.minor == 0) {
            handler.closeAfterCurrentResponse()
        }
        let vetted: VettedRequest
        switch RequestVetting.vet(clientHead, limits: snapshot.vettingLimits) {
        case .failure(let rejection):
            self.context = context
            return perform(machine.headRejected(rejection.status, message: rejection.message))
        case .success(let value):
            vetted = value
        }
        context.loggedPath = String(vetted.path)
        self.context = context
        let request = ExchangeRequest(
            framing: vetted.framing, expectsContinue: vetted.expectsContinue, maxBodyBytes: server.maxBodyBytes
        )
        guard let authentication = runtime.authentication, snapshot.configuration.auth != nil,
              clientHead.headers.contains(name: "Authorization") else {
            return route(snapshot, vetted: vetted, request: request, authentication: .anonymous)
        }
        // Without routes chosen by claims, the route does not depend on the token: it is verified only
        // for a route that uses it, so `auth: off` routes pay nothing.
        if !snapshot.router.usesClaims, (snapshot.router.route(method: clientHead.method, path: vetted.path)?.settings.auth ?? .off) == .off {
            return route(snapshot, vetted: vetted, request: request, authentication: .anonymous)
        }
        switch authentication.authenticate(clientHead.headers) {
        case .decided(let outcome):
            route(snapshot, vetted: vetted, request: request, authentication: outcome)
        case .needsKeys(let issuer, let keyID, let token):
            awaitKeys(of: issuer, keyID: keyID, token: token, authentication: authentication, snapshot, vetted: vetted, request: request)
        }
    }

    /// Routes a vetted head, by its method, path and verified claims; answers 401 when the route needs
    /// a token the request lacks; builds the head sent upstream; then lets the machine decide.
    func route(_ snapshot: GatewaySnapshot, vetted: VettedRequest, request: ExchangeRequest, authentication: RequestAuthentication) {
        guard var context = self.context, !machine.isFinished else { return }
        let server = snapshot.configuration.server
        let resolver = snapshot.clientResolver
        let peer = handler.peerAddress
        let route = snapshot.router.route(method: clientHead.method, path: vetted.path, claims: authentication.claims)
        let audit = startAudit(route: route, context: context, contentType: clientHead.headers.first(name: "Content-Type"))
        // The decoder stops after any request that asks for an upgrade, so unless a 101 switches it, the
        // connection closes after the response (a 401 included). An upgrade not forwarded (h2c, or a
        // protocol the route does not list) is dropped and the request served as HTTP/1.1.
        if vetted.upgradeDropped { handler.closeAfterCurrentResponse() }
        let auth = snapshot.configuration.auth
        var claimFields: [(name: String, value: String)] = []
        if route == nil, authentication.claims == nil,
           snapshot.router.route(method: clientHead.method, path: vetted.path, ignoringClaims: true) != nil {
            // Only routes chosen by claims serve this path: without a valid token it is a 401, not a 404.
            let refusal = authentication.refusal(under: .required) ?? AuthFailure(.missing, "this route needs a bearer token (Authorization: Bearer <token>)")
            runtime.authentication?.telemetry.record(authentication, refusal: refusal)
            return perform(machine.authenticationRefused(refusal, request: request))
        }
        if let route, route.settings.auth != .off {
            // Without `auth:` in force no token can be verified: the route refuses (it never opens).
            var refusal = auth == nil
                ? AuthFailure(.wrongIssuer, "no issuer is configured (auth.jwt)")
                : authentication.refusal(under: route.settings.auth)
            if refusal == nil {
                context.token = authentication.token(under: route.settings.auth)
                switch ForwardedClaimHeaders.fields(auth?.jwt.forwardClaims ?? [], token: context.token) {
                case .success(let fields): claimFields = fields
                case .failure(let failure): refusal = failure
                }
            }
            runtime.authentication?.telemetry.record(authentication, refusal: refusal)
            if let refusal {
                context.token = nil
                context.route = route
                self.context = context
                return perform(machine.authenticationRefused(refusal, request: request))
            }
            if let revokeOn = route.settings.revokeOn, context.token != nil,
               revokeOn.method == clientHead.method.rawValue, revokeOn.path == vetted.path {
                context.revokesOnSuccess = true
            }
        }
        let upgrade = route.flatMap {
            UpgradeRequest.protocolToForward(clientHead, connectionUpgrade: vetted.connection.upgrade, allowed: $0.settings.upgrades)
        }
        if let route {
            context.route = route
            context.upstreamHead = UpstreamRequestHead.make(from: clientHead, vetted: vetted, origin: .init(
                peer: peer, peerIsTrusted: resolver.isTrusted(peer), clientAddress: context.clientAddress, requestID: context.requestID,
                scheme: handler.security == nil ? "http" : "https",
                // The header configured now is stripped even on a connection accepted before a reload
                // configured it; its value only ever comes from this connection's verified certificate.
                clientSubject: server.tls?.clientSubjectHeader.map { ($0, handler.security?.clientSubject) },
                claims: snapshot.claimHeaderNames.map { .init(removed: $0, fields: claimFields) }
            ))
            if let upgrade, context.upstreamHead != nil { UpgradeRequest.addUpgradeFields(upgrade, to: &context.upstreamHead!) }
            context.addsHost = vetted.host == nil
            let query = vetted.query.map(String.init)
            let host = vetted.host ?? clientHead.headers.first(name: "Host") ?? ""
            if upgrade == nil, vetted.framing == .none {
                cacheVisit = makeCacheVisit(route: route, vettedPath: String(vetted.path), query: query, host: host)
            }
            if route.cacheRules != nil, runtime.responseCache != nil, !CacheInvalidation.safeMethods.contains(clientHead.method) {
                invalidatesOnSuccess = (handler.security == nil ? "http" : "https", host, String(vetted.path), query)
            }
        }
        self.context = context
        auditSawToken()
        let policy = route.map { route in
            var policy = ExchangePolicy(route: route, method: clientHead.method)
            policy.audit = audit
            policy.upgrade = upgrade
            policy.consultsCache = cacheVisit?.cacheability.consultsCache ?? false
            policy.refreshesCredentialsOnUnauthorized = route.cluster.credential?.usesGatewayToken(
                clientSentAuthorization: clientHead.headers.contains(name: "Authorization")
            ) ?? false
            return policy
        }
        if auditRefusesUpfront(audit) { return perform(machine.auditRefused(request: request)) }
        perform(machine.headAccepted(request, policy: policy, now: Self.now()))
    }

    /// Asks the route's rate limiter; its answer comes back on this event loop.
    func checkRateLimit() {
        guard let context, let route = context.route else { return }
        context.rateLimiter.check(route.rateLimits, clientAddress: context.clientAddress, headers: clientHead.headers, claims: context.token?.claims, on: eventLoop) { outcome in
            self.rateLimited(outcome)
        }
    }

    private func rateLimited(_ outcome: RouteRateLimiter.Outcome) {
        guard !machine.isFinished, let route = context?.route, let style = context?.rateLimitHeaderStyle else { return }
        var fields = RateLimitHeaders.fields(for: outcome, style: style)
        telemetry.rateLimitDecision(routeIndex: route.telemetrySlot, allowed: outcome.allSatisfy(\.decision.allowed))
        if let denied = outcome.first(where: { !$0.decision.allowed }) {
            context?.rateLimitFields = fields
            let wait = RateLimitHeaders.seconds(RateLimitHeaders.retryAfter(outcome.map(\.decision)) ?? .zero)
            return perform(machine.rateLimitDenied(policy: denied.policy.name, retryAfterSeconds: wait))
        }
        fields.removeAll { $0.name == "Retry-After" }
        context?.rateLimitFields = fields
        perform(machine.rateLimitAllowed(now: Self.now()))
    }

    /// Whether a response is under way (held, written or answered).
    var responseStarted: Bool { machine.responseStarted }

    /// Body bytes the client has still to send (nil when unknown: chunked); `Int.max` when the client
    /// waits for a `100 Continue` it never got, and so may never send them.
    var unreadBody: Int? { machine.unreadBody }

    func requestBody(_ buffer: ByteBuffer) {
        auditSawRequestBody(buffer)
        perform(machine.requestBodyReceived(buffer))
    }

    func requestEnd() {
        auditSawRequestEnd()
        perform(machine.requestEnded())
    }

    /// Hold client reads while the upstream is not writable, or while too much body waits for a connection.
    var shouldHoldClientReads: Bool {
        machine.shouldHoldClientReads(upstreamIsWritable: connection?.channel.isWritable ?? true)
    }

    func clientBecameWritable() {
        if case .recordingAudit = machine.state { return }   // held until the audit record is written
        connection?.handler.resumeReading()
    }

    func clientClosed() {
        perform(machine.clientClosed())
    }

    /// A request body outgrew a limit or stalled mid-stream: answer if nothing was sent yet, otherwise cut.
    func failRequest(_ status: HTTPResponseStatus, _ message: String) {
        perform(machine.requestBodyFailed(status, message: message))
    }

    static func path(of uri: String) -> String {
        String(uri.prefix { $0 != "?" && $0 != "#" })
    }
}
