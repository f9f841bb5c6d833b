@testable import BulwarkGateway
import NIOCore
import NIOHTTP1
import Resilience
import Testing

/// Random event sequences against the client-connection machine, each reproducible from its seed: a
/// client that pipelines requests (reading only when the machine lets it), an exchange that answers at
/// random moments (sometimes at once, sometimes twice, sometimes without a head), timers, errors,
/// quiescing and the client going away. Whatever happens, the invariants below hold.
@Suite("Client connection state machine: random event sequences")
struct ClientConnectionPropertyTests {
    static let sequences = 3_000
    static let eventsPerSequence = 300

    @Test("no sequence answers a request twice, forwards after closing, forwards twice or out of order, reads over the queue limit or leaves a queue after close")
    func invariantsHold() {
        var failures: [String] = []
        var covered: Set<ClientConnectionRun.Situation> = []
        for seed in 0..<UInt64(Self.sequences) {
            var run = ClientConnectionRun(seed: seed)
            run.play(events: Self.eventsPerSequence)
            covered.formUnion(run.covered)
            if let problem = run.problems.first {
                failures.append("seed \(seed): \(problem)\n  last events: \(run.log.suffix(12).joined(separator: " → "))")
                if failures.count == 3 { break }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // The sequences reach the situations the invariants are about.
        let missed = ClientConnectionRun.Situation.allCases.filter { !covered.contains($0) }
        #expect(missed.isEmpty, "never reached: \(missed)")
    }

    @Test("the run notices a broken invariant (the checker is not vacuous)")
    func checkerNoticesViolations() {
        var run = ClientConnectionRun(seed: 1)
        run.check(.startExchange(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/0/0")))
        run.check(.startExchange(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/0/0")))
        #expect(!run.problems.isEmpty)
    }
}

/// One random sequence: the machine plus models of the client and of the exchange, and the checks.
struct ClientConnectionRun {
    static let limits = ClientConnectionLimits(
        idleTimeout: 1_000, bodyIdleTimeout: 300, discardBodyLimit: 2_000, maxPipelinedRequests: 3, maxQueuedBodyBytes: 4_000
    )

    var machine = ClientConnectionStateMachine(limits: Self.limits)
    var random: RandomSource.Generator
    var now: UInt64 = 0
    var problems: [String] = []
    var log: [String] = []

    // The client: requests numbered in order; every part gets an arrival number.
    var nextRequest = 0
    var clientInRequest = false
    var nextSequence = 0
    var requestOfPart: [Int: Int] = [:]
    var endOfRequest: [Int: Int] = [:]
    var readsAllowed = false

    // The exchange the handler would hold.
    var exchangeRequest: Int?
    var exchangeHeadWritten = false
    var exchangeSawEnd = false
    var upstreamBackpressure = false

    // What was checked.
    var lastForwarded = -1
    var started: Set<Int> = []
    var answers: [Int: Int] = [:]
    var closeDecided = false
    var inDeliveryLoop = false
    var idleDeadline: UInt64?
    var bodyDeadline: UInt64?

    /// Situations a run reached (so the test can tell that the sequences exercise them).
    enum Situation: CaseIterable {
        case readsHeldForQueue, readsHeldForBackpressure, deliveryLoop, finishInsideDeliveryLoop, discarding
        case bodyStall, idleClose, secondHeadRefused, errorAfterCompleteRequest, closeAfterResponse
    }
    var covered: Set<Situation> = []

    init(seed: UInt64) {
        random = RandomSource.seeded(seed).generator
    }

    mutating func problem(_ text: String) { problems.append(text) }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    // MARK: Driving

    mutating func play(events: Int) {
        check(machine.connectionStarted(now: now))
        check(machine.readRequested(upstreamBackpressure: upstreamBackpressure))
        for _ in 0..<events {
            // A closing connection gets a few more events (late reads, timers, callbacks), then its end.
            if machine.state == .closed || !problems.isEmpty || (closeDecided && chance(10)) { break }
            step()
        }
        settle()
    }

    mutating func step() {
        switch Int.random(in: 0..<10_000, using: &random) {
        case 0..<4_200: clientReads()
        case 4_200..<6_800: exchangeActs()
        case 6_800..<8_000: timePasses()
        case 8_000..<8_600:
            upstreamBackpressure.toggle()
            log.append("backpressure \(upstreamBackpressure)")
            if !upstreamBackpressure { resume() }
        case 8_600..<9_000:
            log.append("writability")
            check(machine.writabilityChanged(isWritable: chance(50)))
        case 9_000..<9_020:
            log.append("quiesce")
            check(machine.quiesceRequested())
        case 9_020..<9_040:
            log.append("head timeout")
            check(machine.headTimedOut())
        case 9_040..<9_060:
            let error: ClientConnectionError = [.headerFieldsTooLarge, .ambiguousFraming, .malformedRequest("x"), .connectionFailed].randomElement(using: &random)!
            log.append("error \(error)")
            if case .awaitingResponse = machine.state { covered.insert(.errorAfterCompleteRequest) }
            check(machine.errorCaught(error))
        case 9_060..<9_080:
            log.append("client closed")
            check(machine.clientClosed())
            if !machine.queue.isEmpty { problem("queue not empty after the client closed") }
        default:
            // A late read request from the channel.
            log.append("read()")
            check(machine.readRequested(upstreamBackpressure: upstreamBackpressure))
        }
    }

    /// A batch of parts the decoder delivers after a read, then the read completes and the channel
    /// asks to read again.
    mutating func clientReads() {
        guard readsAllowed else { return }
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            let part = nextClientPart()
            check(machine.requestPartReceived(part, now: now))
        }
        log.append("readComplete")
        check(machine.readComplete(now: now))
        check(machine.readRequested(upstreamBackpressure: upstreamBackpressure))
    }

    mutating func nextClientPart() -> HTTPServerRequestPart {
        let sequence = nextSequence
        nextSequence += 1
        if !clientInRequest {
            clientInRequest = true
            requestOfPart[sequence] = nextRequest
            log.append("head \(nextRequest)")
            return .head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/\(nextRequest)/\(sequence)"))
        }
        if chance(35) {
            clientInRequest = false
            endOfRequest[nextRequest] = sequence
            log.append("end \(nextRequest)")
            nextRequest += 1
            return .end(nil)
        }
        requestOfPart[sequence] = nextRequest
        let size = chance(90) ? Int.random(in: 8...400, using: &random) : Int.random(in: 400...3_000, using: &random)
        var buffer = ByteBuffer(repeating: 0, count: size)
        buffer.setInteger(UInt64(sequence), at: buffer.readerIndex)
        log.append("body \(nextRequest) (\(size))")
        return .body(buffer)
    }

    /// What the exchange may do while it is open.
    mutating func exchangeActs() {
        guard exchangeRequest != nil else { return }
        switch Int.random(in: 0..<1_000, using: &random) {
        case 0..<350:
            // A broken exchange sometimes answers twice.
            if !exchangeHeadWritten || chance(3) { writeHead() }
        case 350..<750:
            // Mostly after a head, sometimes (a broken exchange) without one.
            if !exchangeHeadWritten, chance(97) { writeHead() }
            finish(close: chance(3))
        case 750..<765:
            log.append("abort")
            exchangeRequest = nil
            check(machine.responseAborted())
        case 765..<790:
            log.append("close after response")
            machine.closeAfterResponseRequested()
        case 820..<900:
            if machine.mayWriteInformationalHead, exchangeHeadWritten { problem("an informational head allowed after the final one") }
        default:
            log.append("exchange resumes reading")
            resume()
        }
    }

    mutating func writeHead() {
        log.append("response head")
        let again = exchangeHeadWritten
        let action = machine.responseHeadReady(gatewayDraining: chance(5))
        if again, action == .close { covered.insert(.secondHeadRefused) }
        check(action)
    }

    mutating func finish(close: Bool) {
        let complete = exchangeSawEnd
        let unread: Int? = complete ? 0 : (chance(85) ? [0, 10, 500, nil] : [1_999, 2_000, 50_000]).randomElement(using: &random)!
        log.append("finish close=\(close) unread=\(unread.map(String.init) ?? "?")")
        exchangeRequest = nil
        check(machine.responseFinished(close: close, unreadBody: unread, now: now))
        if case .discarding = machine.state { covered.insert(.discarding) }
        resume()
    }

    mutating func resume() {
        check(machine.readResumptionRequested(upstreamBackpressure: upstreamBackpressure && exchangeRequest != nil, now: now))
    }

    mutating func timePasses() {
        now += chance(90) ? UInt64.random(in: 1...120, using: &random) : UInt64.random(in: 120...1_200, using: &random)
        log.append("now \(now)")
        if let deadline = idleDeadline, now >= deadline {
            idleDeadline = nil
            let action = machine.idleTimerFired(now: now)
            if action == .close { covered.insert(.idleClose) }
            check(action)
        }
        if let deadline = bodyDeadline, now >= deadline {
            bodyDeadline = nil
            check(machine.bodyTimerFired(now: now))
        }
    }

    /// Lets everything finish: no backpressure, the open exchange answers, reads are asked for. A
    /// connection that is not closing must then read again.
    mutating func settle() {
        guard problems.isEmpty, machine.state != .closed else { return }
        upstreamBackpressure = false
        for _ in 0..<50 where exchangeRequest != nil {
            if !exchangeHeadWritten { writeHead() }
            if exchangeRequest != nil { finish(close: false) }
        }
        resume()
        switch machine.state {
        case .closing, .closed: return
        case .awaitingResponse where machine.closesAfterResponse: return
        default: break
        }
        if machine.readRequested(upstreamBackpressure: false) != .read {
            problem("stuck: reads stay held in \(machine.state) with \(machine.queue.requests) queued requests")
        }
    }

    // MARK: Performing and checking

    /// Performs an action the way the handler would, checking the invariants on the way.
    mutating func check(_ action: ClientConnectionAction) {
        switch action {
        case .none, .queued:
            break
        case .holdReads:
            readsAllowed = false
            if machine.queue.isOverLimit(Self.limits) {
                covered.insert(.readsHeldForQueue)
            } else if upstreamBackpressure {
                covered.insert(.readsHeldForBackpressure)
            }
        case .startExchange(let head):
            let parts = head.uri.split(separator: "/").compactMap { Int($0) }
            let (request, sequence) = (parts[0], parts[1])
            log.append("start \(request)")
            forwarded(sequence, "head of request \(request)")
            if exchangeRequest != nil { problem("request \(request) started while request \(exchangeRequest!) is still open") }
            if started.contains(request) { problem("request \(request) started twice") }
            started.insert(request)
            exchangeRequest = request
            exchangeHeadWritten = false
            exchangeSawEnd = false
            // Some exchanges answer at once (a local 404), inside whatever loop started them.
            if chance(30) {
                writeHead()
                if exchangeRequest != nil { finish(close: false) }
            }
        case .forwardBody(let buffer):
            let sequence = Int(buffer.getInteger(at: buffer.readerIndex, as: UInt64.self)!)
            forwarded(sequence, "body part")
            if requestOfPart[sequence] != exchangeRequest { problem("body part \(sequence) of request \(requestOfPart[sequence]!) forwarded to request \(exchangeRequest.map(String.init) ?? "none")") }
        case .forwardEnd:
            guard let request = exchangeRequest else { return problem("an end forwarded with no exchange open") }
            guard let sequence = endOfRequest[request] else { return problem("end of request \(request) forwarded before it arrived") }
            forwarded(sequence, "end of request \(request)")
            exchangeSawEnd = true
        case .read:
            readsAllowed = true
            if machine.queue.isOverLimit(Self.limits) { problem("reads resumed with \(machine.queue.requests) requests and \(machine.queue.bodyBytes) body bytes queued") }
        case .writeResponseHead:
            guard let request = exchangeRequest else { return problem("a response head written with no exchange open") }
            answered(request)
            exchangeHeadWritten = true
        case .writeResponseEnd(let thenClose, let deliverQueued):
            if thenClose {
                covered.insert(.closeAfterResponse)
                decidedToClose()
            }
            if inDeliveryLoop { covered.insert(.finishInsideDeliveryLoop) }
            if deliverQueued {
                if inDeliveryLoop { problem("a second delivery loop started inside the first") }
                covered.insert(.deliveryLoop)
                inDeliveryLoop = true
                var guardCount = 0
                while true {
                    let next = machine.nextQueuedPart(now: now)
                    if case .none = next { break }
                    check(next)
                    guardCount += 1
                    if guardCount > 10_000 { problem("the delivery loop does not end"); break }
                }
                inDeliveryLoop = false
            }
        case .answerAndClose(_, let cancelExchange):
            if cancelExchange {
                guard let request = exchangeRequest else { return problem("cancelExchange with no exchange open") }
                if exchangeHeadWritten { problem("request \(request) answered again after its response started") }
                answered(request)
                exchangeRequest = nil
            } else if exchangeRequest != nil {
                problem("an error answered while request \(exchangeRequest!)'s exchange stays open")
            }
            decidedToClose()
        case .failStalledBody:
            guard exchangeRequest != nil else { return problem("a stalled body reported with no exchange open") }
            covered.insert(.bodyStall)
            log.append("exchange answers 408")
            if exchangeHeadWritten {
                exchangeRequest = nil
                check(machine.responseAborted())
            } else {
                writeHead()
                if exchangeRequest != nil { finish(close: true) }
            }
        case .notifyExchangeWritable:
            if exchangeRequest == nil { problem("writability reported with no exchange open") }
        case .cancelExchange:
            if exchangeRequest == nil { problem("cancelExchange with no exchange open") }
            exchangeRequest = nil
        case .flushAndClose, .close:
            decidedToClose()
        case .armIdleTimer(let deadline):
            if idleDeadline != nil { problem("a second idle timer armed") }
            if deadline <= now { problem("idle timer armed for the past (\(deadline) ≤ \(now))") }
            idleDeadline = deadline
        case .armBodyTimer(let deadline):
            if bodyDeadline != nil { problem("a second body timer armed") }
            if deadline <= now { problem("body timer armed for the past (\(deadline) ≤ \(now))") }
            bodyDeadline = deadline
        }
    }

    mutating func forwarded(_ sequence: Int, _ what: String) {
        if closeDecided { problem("\(what) (part \(sequence)) forwarded after the connection decided to close") }
        if sequence <= lastForwarded { problem("\(what) (part \(sequence)) forwarded after part \(lastForwarded): twice or out of order") }
        lastForwarded = max(lastForwarded, sequence)
    }

    mutating func answered(_ request: Int) {
        answers[request, default: 0] += 1
        if answers[request]! > 1 { problem("request \(request) got \(answers[request]!) responses") }
        if closeDecided { problem("request \(request) answered after the connection decided to close") }
    }

    mutating func decidedToClose() {
        closeDecided = true
        readsAllowed = false
        if !machine.queue.isEmpty { problem("\(machine.queue.requests) requests still queued after the decision to close") }
    }
}
