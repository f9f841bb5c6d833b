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
    /// (``clientIsWritable`` is false while the machine records).
    func recordRequest(_ head: HTTPResponseHead, attempt: Int, waitForDisk: Bool) {
        guard let audit = runtime.audit, var trail = auditTrail else {
            if waitForDisk { perform(machine.auditRecorded(attempt: attempt, now: Self.now())) }
            return
        }
        let entry = trail.requestEntry(status: Int(head.status.code), target: lastTarget, now: Date())
        auditTrail = trail
        guard waitForDisk else { return audit.append(entry, waitForDisk: false) }
        let loop = eventLoop
        audit.append(entry, waitForDisk: true) { result in
            loop.execute {
                switch result {
                case .success: self.perform(self.machine.auditRecorded(attempt: attempt, now: Self.now()))
                case .failure: self.perform(self.machine.auditFailed(attempt: attempt, now: Self.now()))
                }
            }
        }
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
        if !trail.requestRecorded {
            if outcome == "client_closed", machine.attempts == 0 { return }
            audit.append(trail.requestEntry(status: status, target: target, now: Date()), waitForDisk: false)
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
