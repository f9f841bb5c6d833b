@testable import BulwarkGateway
import NIOCore
import NIOHTTP1
import Resilience

/// Plays ``ProxyExchange``'s part around an ``ExchangeStateMachine``: performs its actions the way the
/// shell does (a pick takes a permit, a connect resolves later, timers fire later, the budget answers at
/// once), feeds it random client, upstream and timer events from a seed, and writes down every breach of
/// the machine's invariants.
struct ExchangeShellSimulator {
    private(set) var machine: ExchangeStateMachine
    private var random: RandomSource.Generator
    /// Every invariant broken, in order.
    private(set) var violations: [String] = []
    /// The events fed and actions performed, for the failure message.
    private(set) var trace: [String] = []
    /// The kinds of action performed (`retry`, `finishResponse`…), to see what the sequences reach.
    private(set) var actionsSeen: Set<String> = []
    /// Upgrades switched (`101` relayed) and relays ended.
    private(set) var upgradesSwitched = 0
    /// A `101` was relayed: the relay is open until `upgradeEnded` is fed.
    private var relayOpen = false
    /// Streams cut by their idle timeout.
    private(set) var streamsCutIdle = 0

    /// Every routed request is audited (`audit:`), mostly in `sync` durability; otherwise one in four is.
    private let auditing: Bool
    /// The attempt whose `request` record is being written (`sync`): no response head may be written
    /// for it until the record is reported.
    private var recordPending: Int?
    /// Attempts whose record was reported on disk (or failed under `on_failure: pass`).
    private var recordsDone: Set<Int> = []
    /// Responses answered 503 because their record failed.
    private(set) var auditRejections = 0
    /// Responses released after their record.
    private(set) var auditReleases = 0

    /// The stream idle timeout of every policy made here.
    static let streamIdleTimeout: Int64 = 300_000_000
    /// The time of the events, in nanoseconds: each step moves it on by up to 150 ms.
    private var clock: Int64 = 0

    // What the shell holds.
    private var permitHeld = false
    private var permitAttempt: Int?
    private var permitsTaken = 0
    private var permitsSettled = 0
    private var connectionAttempt: Int?
    private var pendingConnects: [Int] = []
    private var perTryTimers: Set<Int> = []
    private var deadlineScheduled = false
    private var backoffScheduled = false
    private var rateLimitPending = false
    /// The shell is looking the request up in the response cache.
    private var cachePending = false
    /// What the cache told the machine when the request went upstream (statuses of stored responses).
    private var cacheRevalidating: Int?
    private var cacheFallback: Int?
    /// The cache answered the request itself (a hit: no attempt may follow).
    private var cacheHit = false
    private var clientEnded = false
    /// When the stream idle timer fires, while it is armed.
    private var streamIdleDeadline: Int64?
    /// A streaming response's head was relayed.
    private var streamStarted = false
    /// When the streaming response's head was relayed or its body bytes last came.
    private var lastStreamBytesAt: Int64 = 0

    // What went where.
    private var headsSent: [Int: Int] = [:]
    private var responseHeadsWritten = 0
    private var responsesEnded = 0
    /// The client got its answer (or went away): nothing may go upstream after this.
    private var clientDone = false

    init(seed: UInt64, auditing: Bool = false) {
        self.auditing = auditing
        random = RandomSource.seeded(seed).generator
        let methods: [HTTPMethod] = [.GET, .HEAD, .PUT, .POST]
        machine = ExchangeStateMachine(method: methods.randomElement(using: &random)!)
    }

    /// Starts the exchange, then feeds `steps` random events, then closes the client if the exchange
    /// is still running and lets every pending connection arrive.
    mutating func run(steps: Int) {
        start()
        for _ in 0..<steps { step() }
        if !clientDone { feed("client closed at the end", machine.clientClosed()) }
        while let attempt = pendingConnects.popLast() { connectionArrived(attempt) }
        if permitHeld || permitsTaken != permitsSettled {
            violate("\(permitsTaken) permits taken, \(permitsSettled) settled")
        }
    }

    private mutating func start() {
        switch Int.random(in: 0..<20, using: &random) {
        case 0:
            feed("head rejected", machine.headRejected(.badRequest, message: "bad"))
        default:
            let framings: [RequestBodyFraming] = [.none, .length(Int.random(in: 0...3_000, using: &random)), .chunked]
            let request = ExchangeRequest(
                framing: framings.randomElement(using: &random)!,
                expectsContinue: Bool.random(using: &random),
                maxBodyBytes: [0, 0, 2_000].randomElement(using: &random)!
            )
            let backoffs: [Backoff] = [.constant(.zero), .constant(.milliseconds(5)), .exponential(base: .milliseconds(1), maximum: .milliseconds(8)).jittered(.full)]
            var policy = ExchangePolicy(
                checksRateLimits: Bool.random(using: &random),
                requestTimeout: 1_000_000_000,
                perTryTimeout: Bool.random(using: &random) ? 100_000_000 : nil,
                maxAttempts: Int.random(in: 1...4, using: &random),
                retriesMethod: Bool.random(using: &random),
                retryStatuses: [502, 503, 504],
                replayBufferLimit: [0, 100, 1_000, 65_536].randomElement(using: &random)!,
                backoff: backoffs.randomElement(using: &random)!,
                refreshesCredentialsOnUnauthorized: Bool.random(using: &random),
                streamsResponses: Int.random(in: 0..<4, using: &random) == 0,
                streamIdleTimeout: Self.streamIdleTimeout
            )
            if Int.random(in: 0..<4, using: &random) == 0 { policy.upgrade = "websocket" }
            if auditing || Int.random(in: 0..<4, using: &random) == 0 {
                policy.audit = ExchangeAuditPolicy(waitsForDisk: Int.random(in: 0..<4, using: &random) != 0, rejectsOnFailure: Bool.random(using: &random))
            }
            // A cached route: GET/HEAD without a body or an upgrade, as the shell decides it.
            if request.framing == .none, policy.upgrade == nil, machine.method == .GET || machine.method == .HEAD,
               Int.random(in: 0..<3, using: &random) == 0 {
                policy.consultsCache = true
            }
            let routed = Int.random(in: 0..<20, using: &random) != 0
            feed("head accepted", machine.headAccepted(request, policy: routed ? policy : nil, now: 0))
        }
    }

    // MARK: Random events

    private enum Event: CaseIterable {
        case clientBody, clientEnd, clientClosed, bodyStalled
        case upstreamHead, upstreamBody, upstreamEnd, upstreamFailed, upstreamReadComplete
        case connectResolved, perTryFired, staleTimerFired, deadlineFired, backoffFired, rateLimitAnswered
        case streamIdleFired, lateDeadlineFired, relayEnded, cacheAnswered, recordReported
    }

    private mutating func step() {
        clock += Int64.random(in: 0...150_000_000, using: &random)
        var possible: [Event] = [.clientBody, .staleTimerFired]
        if !clientEnded { possible += [.clientEnd, .clientBody] }
        if Int.random(in: 0..<25, using: &random) == 0 { possible += [.clientClosed, .bodyStalled] }
        if connectionAttempt != nil {
            possible += [.upstreamHead, .upstreamHead, .upstreamBody, .upstreamBody, .upstreamEnd, .upstreamReadComplete, .upstreamReadComplete]
            if Int.random(in: 0..<4, using: &random) == 0 { possible.append(.upstreamFailed) }
        }
        if !pendingConnects.isEmpty { possible += [.connectResolved, .connectResolved] }
        if !perTryTimers.isEmpty { possible.append(.perTryFired) }
        if deadlineScheduled, Int.random(in: 0..<8, using: &random) == 0 { possible.append(.deadlineFired) }
        if backoffScheduled { possible += [.backoffFired, .backoffFired] }
        if rateLimitPending { possible += [.rateLimitAnswered, .rateLimitAnswered] }
        if streamIdleDeadline != nil { possible += [.streamIdleFired] }
        if relayOpen { possible += [.relayEnded] }
        if cachePending { possible += [.cacheAnswered, .cacheAnswered] }
        if recordPending != nil { possible += [.recordReported, .recordReported] }
        // A whole-request deadline whose cancel lost the race with the stream's start.
        if streamStarted, Int.random(in: 0..<6, using: &random) == 0 { possible.append(.lateDeadlineFired) }
        fire(possible.randomElement(using: &random)!)
    }

    private mutating func fire(_ event: Event) {
        switch event {
        case .clientBody:
            let part = ByteBuffer(repeating: 0x61, count: Int.random(in: 1...600, using: &random))
            feed("client body \(part.readableBytes)", machine.requestBodyReceived(part))
        case .clientEnd:
            clientEnded = true
            feed("client end", machine.requestEnded())
        case .clientClosed:
            feed("client closed", machine.clientClosed())
        case .bodyStalled:
            feed("body stalled", machine.requestBodyFailed(.requestTimeout, message: "stalled"))
        case .upstreamHead:
            let statuses: [UInt] = [100, 103, 200, 200, 204, 304, 401, 404, 500, 502, 503, 504]
            var headers = HTTPHeaders()
            switch Int.random(in: 0..<5, using: &random) {
            case 0: headers.add(name: "Content-Length", value: "5")
            case 1: headers.add(name: "Transfer-Encoding", value: "chunked")
            case 2: headers.add(name: "Transfer-Encoding", value: "gzip")
            case 3: headers.add(name: "Connection", value: "close")
            default: break
            }
            if Int.random(in: 0..<4, using: &random) == 0 { headers.add(name: "Content-Type", value: "text/event-stream") }
            var status = HTTPResponseStatus(statusCode: Int(statuses.randomElement(using: &random)!))
            if Int.random(in: 0..<5, using: &random) == 0 {
                status = .switchingProtocols
                headers.replaceOrAdd(name: "Upgrade", value: ["websocket", "WebSocket", "h2c"].randomElement(using: &random)!)
            }
            feed("upstream head \(status.code)", machine.upstreamHeadReceived(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
        case .upstreamBody:
            if streamStarted { lastStreamBytesAt = clock }
            feed("upstream body at \(clock)", machine.upstreamBodyReceived(ByteBuffer(repeating: 0x62, count: 3), now: clock))
        case .upstreamEnd:
            feed("upstream end", machine.upstreamEnded())
        case .upstreamFailed:
            let malformed = Bool.random(using: &random)
            feed("upstream failed (malformed: \(malformed))", machine.upstreamFailed("reset", malformed: malformed))
        case .upstreamReadComplete:
            feed("upstream read complete at \(clock)", machine.upstreamReadCompleted(now: clock))
        case .connectResolved:
            let attempt = pendingConnects.remove(at: Int.random(in: 0..<pendingConnects.count, using: &random))
            if Bool.random(using: &random) {
                connectionArrived(attempt)
            } else {
                feed("connect \(attempt) failed", machine.connectFailed(attempt: attempt, "refused"))
            }
        case .perTryFired:
            let attempt = perTryTimers.randomElement(using: &random)!
            perTryTimers.remove(attempt)
            feed("per-try \(attempt) fired", machine.perTryTimeoutFired(attempt: attempt))
        case .staleTimerFired:
            // A timer whose cancel lost the race: machines must shrug off late timers.
            let attempt = Int.random(in: 0...max(1, machine.attempts), using: &random)
            feed("late per-try \(attempt) fired", machine.perTryTimeoutFired(attempt: attempt))
        case .deadlineFired:
            deadlineScheduled = false
            feed("deadline fired", machine.deadlinePassed())
        case .backoffFired:
            backoffScheduled = false
            feed("backoff over", machine.backoffElapsed())
        case .streamIdleFired:
            clock = max(clock, streamIdleDeadline!)
            streamIdleDeadline = nil
            feed("stream idle timer fired at \(clock)", machine.streamIdleTimerFired(now: clock))
        case .lateDeadlineFired:
            let action = machine.deadlinePassed()
            trace.append("late deadline fired")
            if action != .none { violate("a late whole-request deadline acted on a streaming response: \(action)") }
        case .relayEnded:
            relayOpen = false
            feed("relay ended", machine.upgradedConnectionEnded())
        case .cacheAnswered:
            cachePending = false
            if Int.random(in: 0..<3, using: &random) == 0 {
                cacheHit = true
                feed("cache hit", machine.cacheAnswered(status: 200))
            } else {
                cacheRevalidating = Bool.random(using: &random) ? 200 : nil
                cacheFallback = Bool.random(using: &random) ? 203 : nil
                feed("cache miss (revalidating \(cacheRevalidating ?? 0), stale \(cacheFallback ?? 0))",
                     machine.cacheMissed(revalidatingStatus: cacheRevalidating, staleFallbackStatus: cacheFallback))
            }
        case .recordReported:
            let attempt = recordPending!
            recordPending = nil
            if Int.random(in: 0..<3, using: &random) == 0 {
                if machine.policy?.audit?.rejectsOnFailure == false { recordsDone.insert(attempt) }
                feed("record of \(attempt) failed", machine.auditFailed(attempt: attempt, now: clock))
            } else {
                recordsDone.insert(attempt)
                feed("record of \(attempt) on disk", machine.auditRecorded(attempt: attempt, now: clock))
            }
        case .rateLimitAnswered:
            rateLimitPending = false
            if Bool.random(using: &random) {
                feed("rate limit allowed", machine.rateLimitAllowed(now: 1))
            } else {
                feed("rate limit denied", machine.rateLimitDenied(policy: "p", retryAfterSeconds: 1))
            }
        }
    }

    // MARK: The shell's part

    /// The token comes (or the endpoint fails) at once, or never before the deadline.
    private mutating func tokenWait() {
        switch Int.random(in: 0..<3, using: &random) {
        case 0: perform(machine.credentialsRefreshed())
        case 1: perform(machine.credentialsUnavailable("token endpoint down"))
        default: break
        }
    }

    private mutating func feed(_ event: String, _ action: ExchangeStateMachine.Action) {
        trace.append(event)
        perform(action)
    }

    /// Does what the shell does for `action`, checking the invariants on the way.
    mutating func perform(_ action: ExchangeStateMachine.Action) {
        if action != .none { trace.append("  → \(action)") }
        actionsSeen.insert(String("\(action)".prefix { $0 != "(" }))
        switch action {
        case .none:
            break
        case .checkRateLimit:
            rateLimitPending = true
        case .admit:
            if deadlineScheduled { violate("admitted twice") }
            deadlineScheduled = true
            pick()
        case .pickTarget:
            pick()
        case .consultCache:
            if machine.policy?.consultsCache != true { violate("consulted the cache on a route without one") }
            if deadlineScheduled { violate("admitted twice") }
            deadlineScheduled = true
            cachePending = true
        case .serveFromCache(let serve, let settlement, _):
            if responseHeadsWritten > 0 { violate("served from the cache after a relayed head") }
            switch serve {
            case .hit: if !cacheHit || settlement != nil { violate("a hit served with an attempt, or without the cache answering") }
            case .revalidated(let head):
                if cacheRevalidating == nil { violate("revalidated though nothing was being revalidated") }
                if head.status != .notModified { violate("revalidated by a \(head.status.code)") }
            case .staleOnError: if cacheFallback == nil { violate("a stale response served with none to fall back on") }
            }
            if machine.responseStatus != (serve == .staleOnError ? 203 : 200) { violate("served status \(machine.responseStatus)") }
            if let settlement { settle(settlement) }
            ended()
        case .connect(let attempt, let perTryDeadline):
            goingUpstream("connect")
            if !permitHeld { violate("connect without a picked target") }
            permitAttempt = attempt
            if perTryDeadline != nil { perTryTimers = [attempt] }
            if Int.random(in: 0..<3, using: &random) == 0 {
                connectionArrived(attempt)   // an idle connection from the pool
            } else {
                pendingConnects.append(attempt)
            }
        case .forwardRequestBody, .sendRequestEnd:
            goingUpstream("request body")
            if connectionAttempt == nil { violate("request body with no connection") }
        case .askRetryBudget:
            let granted = Bool.random(using: &random)
            trace.append("budget \(granted ? "granted" : "denied")")
            perform(machine.retryBudgetAnswered(granted: granted, using: &random))
        case .retry(let settlement, let delay):
            settle(settlement)
            if delay <= .zero {
                perform(machine.backoffElapsed())
            } else {
                backoffScheduled = true
            }
        case .cancelPerTryTimer:
            perTryTimers = []
        case .recordAudit(_, let attempt, let waitForDisk):
            perTryTimers = []
            if machine.policy?.audit == nil { violate("a record written for a request that is not audited") }
            if attempt != permitAttempt { violate("a record for attempt \(attempt), but the permit is attempt \(permitAttempt ?? 0)'s") }
            if waitForDisk != (machine.policy?.audit?.waitsForDisk == true) { violate("waitForDisk \(waitForDisk) under another durability") }
            if waitForDisk { recordPending = attempt }
        case .releaseResponse(let head, _, let followUp):
            if !recordsDone.contains(permitAttempt ?? -1) { violate("released before its record was reported") }
            auditReleases += 1
            writeResponseHead(head)
            switch followUp {
            case .flush:
                break
            case .startStreaming(let idleDeadline):
                if streamStarted { violate("a second stream started") }
                streamStarted = true
                lastStreamBytesAt = clock
                deadlineScheduled = false
                streamIdleDeadline = idleDeadline
            case .finish(let settlement, _):
                ended()
                settle(settlement)
            }
        case .forwardResponseBody(_, let head), .flushResponse(let head):
            writeResponseHead(head)
        case .startStreaming(let head, _, let idleDeadline):
            writeResponseHead(head)
            if streamStarted { violate("a second stream started") }
            if idleDeadline != clock + Self.streamIdleTimeout { violate("stream idle deadline \(idleDeadline) is not now + the idle timeout") }
            streamStarted = true
            lastStreamBytesAt = clock
            deadlineScheduled = false
            streamIdleDeadline = idleDeadline
        case .armStreamIdleTimer(let deadline):
            if !streamStarted { violate("stream idle timer armed with no stream") }
            if deadline <= clock { violate("stream idle timer re-armed in the past") }
            if deadline != lastStreamBytesAt + Self.streamIdleTimeout { violate("stream idle timer re-armed at \(deadline), not after the last bytes") }
            streamIdleDeadline = deadline
        case .finishResponse(let head, let settlement, _):
            writeResponseHead(head)
            ended()
            settle(settlement)
        case .answer(let answer, let settlement, _):
            if responseHeadsWritten > 0 { violate("an answer after a relayed response head") }
            if cacheFallback != nil, answer.isUpstreamFailure { violate("answered \(answer) though a stale response could stand in") }
            if answer == .auditUnavailable {
                auditRejections += 1
                if machine.policy?.audit?.rejectsOnFailure != true { violate("a 503 for a failed record under on_failure: pass") }
                if settlement?.reusesConnection == true { violate("a rejected response's connection went back to the pool") }
            }
            if let settlement { settle(settlement) }
            ended()
        case .abortResponse(let settlement):
            if case .failed(.streamIdleTimeout)? = settlement?.outcome {
                streamsCutIdle += 1
                if !streamStarted { violate("cut for stream idleness with no stream") }
                if clock - lastStreamBytesAt < Self.streamIdleTimeout { violate("a stream cut though bytes came within the idle timeout") }
            }
            if let settlement { settle(settlement) }
            ended()
        case .abandon(let settlement):
            if clientDone { violate("abandoned after the end") }
            clientDone = true
            cancelTimers()
            if let settlement { settle(settlement) }
        case .settle(let settlement):
            settle(settlement)
        case .refreshCredentials(let settlement):
            settle(settlement)
            tokenWait()
        case .awaitToken:
            if permitHeld { violate("waiting for a token while holding a target") }
            tokenWait()
        case .switchProtocols(let head):
            if machine.policy?.upgrade == nil { violate("switched protocols though no upgrade was asked for") }
            if head.headers.first(name: "Upgrade")?.lowercased() != "websocket" { violate("switched to \(head.headers["Upgrade"])") }
            writeResponseHead(head)
            cancelTimers()
            upgradesSwitched += 1
            relayOpen = true
        case .finishUpgrade(let settlement):
            if settlement.reusesConnection { violate("an upgraded connection went back to the pool") }
            if !relayOpen, responsesEnded > 0 { violate("an upgrade finished twice") }
            relayOpen = false
            ended()
            settle(settlement)
        }
    }

    private mutating func pick() {
        goingUpstream("pick")
        if cachePending || cacheHit { violate("picked a target while the cache had not answered, or after a hit") }
        if permitHeld { violate("a target picked while another's permit is held") }
        if Int.random(in: 0..<6, using: &random) == 0 {
            trace.append("no target")
            return perform(machine.noTargetAvailable())
        }
        if machine.policy?.refreshesCredentialsOnUnauthorized == true, Int.random(in: 0..<4, using: &random) == 0 {
            trace.append("no token")
            return perform(machine.tokenMissing())
        }
        permitHeld = true
        permitAttempt = nil
        permitsTaken += 1
        let number = Int.random(in: 0..<4, using: &random)
        trace.append("picked \(number)")
        perform(machine.targetPicked(number: number, now: 1))
    }

    private mutating func connectionArrived(_ attempt: Int) {
        let decision = machine.connected(attempt: attempt)
        trace.append("connection \(attempt) arrived → \(decision)")
        guard case .sendRequest = decision else { return }
        goingUpstream("request head")
        if permitAttempt != attempt { violate("attempt \(attempt) sent without its permit") }
        headsSent[attempt, default: 0] += 1
        if headsSent[attempt]! > 1 { violate("request head sent twice to attempt \(attempt)") }
        connectionAttempt = attempt
    }

    private mutating func settle(_ settlement: AttemptSettlement) {
        if !permitHeld { violate("settled with no permit held (twice?): \(settlement)") }
        if settlement.attempt != (permitAttempt ?? 0) {
            violate("settled attempt \(settlement.attempt), but the permit is attempt \(permitAttempt ?? 0)'s")
        }
        permitHeld = false
        permitAttempt = nil
        permitsSettled += 1
        connectionAttempt = nil
        perTryTimers = []
    }

    private mutating func writeResponseHead(_ head: HTTPResponseHead?) {
        if let head, head.status != .switchingProtocols, machine.policy?.audit?.waitsForDisk == true, !recordsDone.contains(permitAttempt ?? -1) {
            violate("an audited response head written before its record was on disk")
        }
        if head != nil {
            responseHeadsWritten += 1
            if responseHeadsWritten > 1 { violate("two response heads") }
        } else if responseHeadsWritten == 0 {
            violate("response bytes before any head")
        }
        if clientDone, head != nil { violate("a response head after the end") }
    }

    private mutating func ended() {
        responsesEnded += 1
        if responsesEnded > 1 || clientDone { violate("a second end of the response") }
        clientDone = true
        cancelTimers()
    }

    private mutating func cancelTimers() {
        streamIdleDeadline = nil
        deadlineScheduled = false
        backoffScheduled = false
        perTryTimers = []
    }

    private mutating func goingUpstream(_ what: String) {
        if clientDone { violate("\(what) after the client got its answer") }
    }

    private mutating func violate(_ problem: String) {
        violations.append(problem)
    }
}
