import NIOCore
import NIOHTTP1

/// The response side: what the upstream sends for the attempt in use.
extension ExchangeStateMachine {
    /// The upstream sent a response head.
    mutating func upstreamHeadReceived(_ head: HTTPResponseHead) -> Action {
        guard case .awaitingHead(var attempt) = state else { return .none }
        attempt.headReceived = true
        attempt.keepAlive = head.isKeepAlive
        attempt.framed = ResponseFraming.isFramed(head, method: method)
        state = .awaitingHead(attempt)
        let status = Int(head.status.code)
        if status == 101, let upgrade = policy?.upgrade {
            return switchingProtocols(head, asked: upgrade, attempt: attempt)
        }
        if status == 401, policy?.refreshesCredentialsOnUnauthorized == true, policy?.upgrade == nil, !credentialsRetried, body.replayable {
            // The upstream refused the gateway's token: one fresh token and one more try (never for an
            // upgrade, which is never sent twice). This 401 is not relayed; the target did nothing wrong.
            credentialsRetried = true
            state = .awaitingToken
            return .refreshCredentials(AttemptSettlement(attempt: attempt.number, outcome: .succeeded, reusesConnection: false))
        }
        if policy?.retryStatuses.contains(status) ?? false {
            // Not relayed if another attempt is made: dropped with its connection.
            return attemptFailed(attempt, .status(status), head: head)
        }
        return responseHeadAccepted(head, attempt: attempt)
    }

    /// A head that is not retried: informational ones are skipped, one whose framing cannot be relayed
    /// fails the attempt, any other is held for the client.
    mutating func responseHeadAccepted(_ head: HTTPResponseHead, attempt: Attempt) -> Action {
        if head.status.code < 200 {
            // The client already got its 100 Continue from the gateway, if it asked.
            state = .awaitingHead(attempt)
            return .cancelPerTryTimer
        }
        if let problem = ResponseFraming.problem(head) {
            return attemptFailed(attempt, .malformedResponse(problem))
        }
        if let substitution = cache.substitution(for: head) {
            // The client gets the stored response, not this one: held (its body dropped) to the end.
            cache.substitution = substitution
            responseStatus = substitution.status
            state = .streaming(attempt, heldHead: head)
            return .cancelPerTryTimer
        }
        responseStatus = Int(head.status.code)
        if let audit = policy?.audit { return recordAudit(head, attempt: attempt, audit) }
        // Held until the first body bytes, the end or the end of this read batch: a framing error found
        // in the same batch still becomes a clean 502 instead of a cut connection.
        state = .streaming(attempt, heldHead: head)
        return .cancelPerTryTimer
    }

    /// The upstream sent a part of the response body at `now`. A held head that streams starts its
    /// stream; a stream under way notes the bytes (its idle deadline moves).
    mutating func upstreamBodyReceived(_ part: ByteBuffer, now: Int64) -> Action {
        if case .recordingAudit = state { return keepWhileRecording(part) }
        guard case .streaming(let attempt, let head) = state else { return .none }
        if cache.substitution != nil { return .none }
        state = .streaming(attempt, heldHead: nil)
        responseBytes += part.readableBytes
        stream?.lastBytesAt = now
        if let head, let idleDeadline = startsStream(head, now: now) {
            return .startStreaming(head: head, body: part, idleDeadline: idleDeadline)
        }
        return .forwardResponseBody(part, head: head)
    }

    /// The upstream's read batch ended at `now`: what came is flushed (a held head that streams starts
    /// its stream).
    mutating func upstreamReadCompleted(now: Int64) -> Action {
        guard case .streaming(let attempt, let head) = state else { return .none }
        if cache.substitution != nil { return .none }
        state = .streaming(attempt, heldHead: nil)
        if let head, let idleDeadline = startsStream(head, now: now) {
            return .startStreaming(head: head, body: nil, idleDeadline: idleDeadline)
        }
        return .flushResponse(head: head)
    }

    /// The upstream sent the end of the response: the exchange succeeded (a 5xx still counts as the
    /// target's failure).
    mutating func upstreamEnded() -> Action {
        if case .recordingAudit = state { return keepWhileRecording(nil) }
        guard case .streaming(let attempt, let head) = state else { return .none }
        // A response replaced by the cache's is judged by the upstream's own status.
        let upstreamStatus = cache.substitution != nil ? Int(head?.status.code ?? 0) : responseStatus
        let outcome: AttemptSettlement.Outcome = upstreamStatus < 500 ? .succeeded : .failed(.status(upstreamStatus))
        // Reused only when the whole request went on it and the response ended where it said it would.
        let reusable = attempt.keepAlive && attempt.framed && body.ended
        end()
        if let substitution = cache.substitution, let head {
            let settlement = AttemptSettlement(attempt: attempt.number, outcome: outcome, reusesConnection: reusable)
            return .serveFromCache(substitution.serve(upstreamHead: head), settlement, completion(close: false))
        }
        return .finishResponse(
            head: head,
            AttemptSettlement(attempt: attempt.number, outcome: outcome, reusesConnection: reusable),
            completion(close: false)
        )
    }

    /// The upstream connection failed or closed (`malformed`: its bytes were not HTTP).
    mutating func upstreamFailed(_ detail: String, malformed: Bool) -> Action {
        let failure: AttemptFailure = malformed ? .malformedResponse(detail) : .connectionLost(detail)
        switch state {
        case .streaming(let attempt, heldHead: nil):
            return abort(AttemptSettlement(attempt: attempt.number, outcome: .failed(.lostMidResponse(detail)), reusesConnection: false))
        case .streaming(let attempt, heldHead: .some), .recordingAudit(let attempt, _, _, _):
            // No byte of the held head reached the client: withdrawn, the failure is the attempt's.
            responseStatus = 0
            return attemptFailed(attempt, failure)
        case .awaitingHead(let attempt):
            return attemptFailed(attempt, failure)
        default:
            return .none
        }
    }
}
