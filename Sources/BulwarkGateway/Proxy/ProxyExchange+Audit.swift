import BulwarkAudit
import BulwarkConfig
import Foundation
import NIOCore
import NIOHTTP1

/// The audit log's part in one request (`audit:`): its trail is started when it is routed, its
/// `request` record is written when the response head is accepted (held until on disk in `sync`
/// durability: the machine decides, `+Audit`), or when the gateway answers itself, and its
/// `completed` record when the response ends. Records are never written for unaudited requests.
extension ProxyExchange {
    /// Starts the trail of a request routed to `route` when its method and route are audited; returns
    /// how it is audited.
    func startAudit(route: CompiledRoute?, context: ExchangeContext, contentType: String?) -> ExchangeAuditPolicy? {
        guard let audit = runtime.audit, let route,
              let policy = audit.policy(method: clientHead.method.rawValue, route: route.settings.name) else { return nil }
        auditTrail = ExchangeAuditTrail(
            client: context.clientAddress, requestID: context.requestID, method: clientHead.method.rawValue, path: context.loggedPath,
            route: route.label, contentType: contentType, captureLimit: audit.settings.captureBodyBytes, redact: audit.settings.redact
        )
        return policy
    }

    /// Whether an audited request must be refused before it goes upstream: `sync` durability under
    /// `on_failure: reject` while the journal takes no records.
    func auditRefusesUpfront(_ policy: ExchangeAuditPolicy?) -> Bool {
        guard let policy, policy.waitsForDisk, policy.rejectsOnFailure, let recorder = runtime.audit?.recorder else { return false }
        return !recorder.isAvailable
    }

    /// The actor of `audit.actor.claim`, from the verified token the route acts on.
    func auditSawToken() {
        guard auditTrail != nil, case .claim(let name)? = runtime.audit?.settings.actor else { return }
        auditTrail?.actor = context?.token?.claims[name]?.text
    }

    /// An upstream response head as the exchange sees it: the actor header (`audit.actor.response_header`)
    /// is read from a final head and removed from every head, audited or not, so the client never sees it.
    func auditSawResponseHead(_ head: HTTPResponseHead) -> HTTPResponseHead {
        guard let name = runtime.audit?.actorHeader, head.headers.contains(name: name) else { return head }
        var head = head
        if head.status.code >= 200, auditTrail != nil { auditTrail?.actor = head.headers.first(name: name) }
        head.headers.remove(name: name)
        return head
    }

    /// A part of the request body as the client sent it (hashed once, whatever is replayed).
    func auditSawRequestBody(_ part: ByteBuffer) { auditTrail?.requestBodyReceived(part) }

    /// The client sent the end of the request.
    func auditSawRequestEnd() { auditTrail?.requestBodyEnded() }

    /// A part of the response body written to the client.
    func auditSawResponseBody(_ part: ByteBuffer) { auditTrail?.responseBodySent(part) }

    /// `.recordAudit`: appends the `request` record for `head`; with `waitForDisk`, tells the machine
    /// (on this event loop) when it is on disk or failed. Upstream reads are held meanwhile
    /// (``clientIsWritable`` is false while the machine records). An event has one `request` record:
    /// a retry's head after an earlier attempt's was recorded waits only for that record (its final
    /// status and target go in `completed`).
    func recordRequest(_ head: HTTPResponseHead, attempt: Int, waitForDisk: Bool) {
        guard runtime.audit != nil, var trail = auditTrail else {
            if waitForDisk { perform(machine.auditRecorded(attempt: attempt, now: Self.now())) }
            return
        }
        switch trail.requestRecord {
        case .written:
            if waitForDisk { perform(machine.auditRecorded(attempt: attempt, now: Self.now())) }
            return
        case .pending(let releases):
            if waitForDisk { trail.requestRecord = .pending(releases: releases + [attempt]) }
            auditTrail = trail
            return
        case .none, .failed:
            appendRequestRecord(status: Int(head.status.code), target: lastTarget, waitForDisk: waitForDisk, releasing: waitForDisk ? [attempt] : [])
        }
    }

    /// Appends the event's `request` record; when the journal answers (on this event loop) notes where
    /// it is, and tells the machine about each held attempt, then runs `then` (a gateway answer held
    /// for its record).
    func appendRequestRecord(status: Int, target: String?, waitForDisk: Bool, releasing: [Int], then: (() -> Void)? = nil) {
        guard let audit = runtime.audit, var trail = auditTrail else { then?(); return }
        let entry = trail.requestEntry(status: status, target: target, now: Date())
        trail.requestRecord = .pending(releases: releasing)
        auditTrail = trail
        let loop = eventLoop
        let then = NIOLoopBound(then, eventLoop: loop)
        audit.append(entry, waitForDisk: waitForDisk) { result in
            loop.execute {
                var releases: [Int] = []
                if case .pending(let waiting)? = self.auditTrail?.requestRecord { releases = waiting }
                switch result {
                case .success:
                    self.auditTrail?.requestRecord = .written
                    for attempt in releases { self.perform(self.machine.auditRecorded(attempt: attempt, now: Self.now())) }
                case .failure:
                    self.auditTrail?.requestRecord = .failed
                    for attempt in releases { self.perform(self.machine.auditFailed(attempt: attempt, now: Self.now())) }
                }
                then.value?()
            }
        }
    }

    /// A response the gateway makes itself (an answer, a cache serve) on an audited route: in `sync`
    /// durability `write` runs once the event's `request` record is on disk (or could not be: nothing
    /// went upstream for it, so the answer stands); otherwise at once.
    func afterAuditRecord(_ write: @escaping () -> Void) {
        guard machine.policy?.audit?.waitsForDisk == true, let trail = auditTrail, trail.needsRequestRecord else { return write() }
        appendRequestRecord(status: machine.responseStatus, target: nil, waitForDisk: true, releasing: [], then: write)
    }

    /// The target switched protocols: the `request` record (status 101) is written but not waited for
    /// (bytes may follow the 101 at once, and the relay takes the connections over now); the
    /// `completed` record comes when the upgraded connection ends.
    func recordUpgrade(_ head: HTTPResponseHead) {
        guard let trail = auditTrail, trail.needsRequestRecord else { return }
        appendRequestRecord(status: Int(head.status.code), target: lastTarget, waitForDisk: false, releasing: [])
    }

    /// `.releaseResponse`: lets the upstream's reads resume (before the connection may go back to the
    /// pool, where an idle connection must be reading to notice a close), then writes the held head and
    /// the body kept meanwhile, and does the follow-up.
    func releaseResponse(_ head: HTTPResponseHead, body: [ByteBuffer], _ followUp: ExchangeStateMachine.ReleaseFollowUp) {
        connection?.handler.resumeReading()
        switch followUp {
        case .flush:
            writeResponseHead(head)
            for part in body { cacheSawBody(part); writeResponseBody(part) }
            handler.flushResponse()
        case .startStreaming(let idleDeadline):
            deadlineTimer?.cancel()
            deadlineTimer = nil
            writeResponseHead(head)
            cacheSawStream()
            for part in body { writeResponseBody(part) }
            handler.flushResponse()
            armStreamIdleTimer(at: idleDeadline)
        case .finish(let settlement, let completion):
            writeResponseHead(head)
            for part in body { cacheSawBody(part); writeResponseBody(part) }
            cacheSawEnd()
            cancelTimers()
            settle(settlement)
            logAccess(bytesSent: machine.responseBytes)
            auditEnded("complete")
            finish(completion)
        }
    }

    /// Writes a relayed response body part to the client, noting it for the `completed` record.
    func writeResponseBody(_ part: ByteBuffer) {
        auditSawResponseBody(part)
        handler.writeResponseBody(part)
    }

    /// The exchange ended with `outcome` (`complete`, `client_closed`, `upstream_failed: …`): the
    /// `completed` record, after a `request` record when none was written yet (the gateway answered
    /// itself: no target). A request abandoned before any attempt leaves no record.
    func auditEnded(_ outcome: String, answeredByGateway: Bool = false) {
        guard let audit = runtime.audit, var trail = auditTrail, !trail.completed else { return }
        let status = machine.responseStatus
        let target = answeredByGateway ? nil : lastTarget
        if trail.needsRequestRecord {
            if outcome == "client_closed", machine.attempts == 0 { return }
            audit.append(trail.requestEntry(status: status, target: target, now: Date()), waitForDisk: false)
            trail.requestRecord = .written
        }
        let milliseconds = Double(Self.now() - startedAt) / 1_000_000
        audit.append(trail.completedEntry(status: status, target: target, outcome: outcome, durationMilliseconds: milliseconds), waitForDisk: false)
        auditTrail = trail
    }

    /// How a cut response ended, for its `completed` record.
    static func auditOutcome(ofAbort settlement: AttemptSettlement?) -> String {
        switch settlement?.outcome {
        case .failed(.lostMidResponse(let detail))?: "upstream_failed: \(detail)"
        case .failed(let failure)?: "aborted: \(failure.description)"
        default: "aborted"
        }
    }
}
