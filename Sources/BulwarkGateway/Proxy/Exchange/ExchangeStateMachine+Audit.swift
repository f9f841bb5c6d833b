import NIOCore
import NIOHTTP1

/// How an audited request's records are written (`audit:`), decided when it is routed.
struct ExchangeAuditPolicy: Equatable, Sendable {
    /// `durability: sync`: no byte of the response head reaches the client before the `request` record
    /// is on disk.
    var waitsForDisk: Bool
    /// `on_failure: reject`: a record that cannot be written makes the answer a 503.
    var rejectsOnFailure: Bool
}

/// Audited responses (`audit:`). In `sync` durability the final response head is held in
/// ``State/recordingAudit(_:head:body:ended:)`` while its `request` record is written: the upstream body
/// parts and the end that the same read batch delivered are kept (the shell holds further reads), and
/// upstream failures, timers and a client close behave as for a held head.
///
/// ```
/// awaitingHead ─ final head ─▶ recordingAudit ─ auditRecorded ─▶ releaseResponse ─▶ streaming / finished
///                                   │ ─ auditFailed (reject) ─▶ 503 (attempt settled, connection closed)
///                                   │ ─ auditFailed (pass) ──▶ releaseResponse
///                                   └ ─ upstream failed, deadline, client closed ─▶ as for a held head
/// ```
///
/// In `async` durability the record is written at once and nothing is held.
extension ExchangeStateMachine {
    /// What follows the release of a response held for its record.
    enum ReleaseFollowUp: Equatable {
        /// More of the response is to come: flush what was written.
        case flush
        /// The response streams (`+Streaming`): cancel the whole-request deadline and arm the stream
        /// idle timer at `idleDeadline`.
        case startStreaming(idleDeadline: Int64)
        /// The upstream had ended: settle the attempt, count and log the request, finish the response.
        case finish(AttemptSettlement, ResponseCompletion)
    }

    /// The response `head` of `attempt` is accepted on an audited route: its `request` record is
    /// written, and in `sync` durability the head waits for it.
    mutating func recordAudit(_ head: HTTPResponseHead, attempt: Attempt, _ audit: ExchangeAuditPolicy) -> Action {
        if audit.waitsForDisk {
            state = .recordingAudit(attempt, head: head, body: [], ended: false)
        } else {
            state = .streaming(attempt, heldHead: head)
        }
        return .recordAudit(head: head, attempt: attempt.number, waitForDisk: audit.waitsForDisk)
    }

    /// An upstream body part (or the end, when `part` is nil) came while the head waits for its record.
    mutating func keepWhileRecording(_ part: ByteBuffer?) -> Action {
        guard case .recordingAudit(let attempt, let head, var kept, let ended) = state, !ended else { return .none }
        if let part {
            responseBytes += part.readableBytes
            kept.append(part)
            state = .recordingAudit(attempt, head: head, body: kept, ended: false)
        } else {
            state = .recordingAudit(attempt, head: head, body: kept, ended: true)
        }
        return .none
    }

    /// The `request` record of attempt number `number` is on disk at `now`: the response is released.
    mutating func auditRecorded(attempt number: Int, now: Int64) -> Action {
        guard case .recordingAudit(let attempt, let head, let kept, let ended) = state, attempt.number == number else { return .none }
        return release(attempt, head: head, body: kept, ended: ended, now: now)
    }

    /// The `request` record of attempt number `number` could not be written at `now`: 503 under
    /// `on_failure: reject` (the attempt settled, its connection closed), released otherwise.
    mutating func auditFailed(attempt number: Int, now: Int64) -> Action {
        guard case .recordingAudit(let attempt, let head, let kept, let ended) = state, attempt.number == number else { return .none }
        if policy?.audit?.rejectsOnFailure ?? true {
            // The target did nothing wrong; its connection is closed, as the response was not read out.
            return answer(.auditUnavailable, settling: AttemptSettlement(attempt: attempt.number, outcome: .succeeded, reusesConnection: false))
        }
        return release(attempt, head: head, body: kept, ended: ended, now: now)
    }

    /// The request is audited in `sync` durability under `on_failure: reject` and the journal takes no
    /// records: 503 before anything goes upstream. `request` is the vetted head's.
    mutating func auditRefused(request: ExchangeRequest) -> Action {
        guard state == .receivingHead || state == .authenticating else { return .none }
        self.request = request
        return answer(.auditUnavailable)
    }

    private mutating func release(_ attempt: Attempt, head: HTTPResponseHead, body kept: [ByteBuffer], ended: Bool, now: Int64) -> Action {
        if ended {
            let outcome: AttemptSettlement.Outcome = responseStatus < 500 ? .succeeded : .failed(.status(responseStatus))
            let reusable = attempt.keepAlive && attempt.framed && body.ended
            end()
            let settlement = AttemptSettlement(attempt: attempt.number, outcome: outcome, reusesConnection: reusable)
            return .releaseResponse(head: head, body: kept, .finish(settlement, completion(close: false)))
        }
        state = .streaming(attempt, heldHead: nil)
        if let idleDeadline = startsStream(head, now: now) {
            return .releaseResponse(head: head, body: kept, .startStreaming(idleDeadline: idleDeadline))
        }
        return .releaseResponse(head: head, body: kept, .flush)
    }
}
