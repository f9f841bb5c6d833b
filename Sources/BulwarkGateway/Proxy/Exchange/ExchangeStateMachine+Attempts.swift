import NIOCore
import NIOHTTP1

/// Attempts: a target, a connection, failures, and whether another attempt follows.
extension ExchangeStateMachine {
    /// The shell picked target number `number` (its breaker permit taken, counted in flight).
    mutating func targetPicked(number: Int, now: Int64) -> Action {
        guard state == .choosingTarget, let policy else {
            // The exchange ended while the target was being picked: give it back at once.
            return .settle(AttemptSettlement(attempt: 0, outcome: .ignored, reusesConnection: false))
        }
        attempts += 1
        triedTargets |= 1 << UInt64(number % 64)
        state = .connecting(Attempt(number: attempts))
        return .connect(attempt: attempts, perTryDeadline: policy.perTryTimeout.map { now + $0 })
    }

    /// No target can take the request.
    mutating func noTargetAvailable() -> Action {
        guard state == .choosingTarget else { return .none }
        return answer(.noTargetAvailable)
    }

    /// A connection for attempt number `number` is ready.
    mutating func connected(attempt number: Int) -> ConnectionDecision {
        guard case .connecting(let attempt) = state, attempt.number == number else { return .returnToPool }
        state = .awaitingHead(attempt)
        return .sendRequest(body: body.takeForNewConnection(), end: body.ended)
    }

    /// No connection could be made for attempt number `number` (`detail` says why).
    mutating func connectFailed(attempt number: Int, _ detail: String) -> Action {
        guard case .connecting(let attempt) = state, attempt.number == number else { return .none }
        return attemptFailed(attempt, .connect(detail))
    }

    /// The per-try timer of attempt number `number` fired.
    mutating func perTryTimeoutFired(attempt number: Int) -> Action {
        switch state {
        case .connecting(let attempt) where attempt.number == number:
            return attemptFailed(attempt, .perTryTimeout)
        case .awaitingHead(let attempt) where attempt.number == number && !attempt.headReceived:
            return attemptFailed(attempt, .perTryTimeout)
        default:
            return .none
        }
    }

    /// The whole-request deadline passed: 504 if the client has seen nothing yet (a held head is
    /// withdrawn), otherwise the response is cut. A streaming response is past it: its stream idle
    /// timeout applies instead, and a late timer changes nothing.
    mutating func deadlinePassed() -> Action {
        if stream != nil { return .none }
        let settlement = currentAttempt.map { AttemptSettlement(attempt: $0.number, outcome: .failed(.requestTimeout), reusesConnection: false) }
        switch state {
        case .receivingHead, .authenticating, .checkingRateLimit, .finished, .upgraded:
            return .none
        case .streaming(_, heldHead: nil):
            return abort(settlement)
        case .awaitingToken:
            // No target was held: it is the token that did not come in time.
            return answer(.credentialsUnavailable("no token could be had within the request timeout"))
        case .streaming, .recordingAudit, .consultingCache, .choosingTarget, .connecting, .awaitingHead, .decidingRetry, .backingOff:
            responseStatus = 0
            return answer(.requestTimedOut, settling: settlement)
        }
    }

    /// The request goes up with the gateway's OAuth2 token and none is valid: it waits for one before
    /// any target is picked, so the wait costs no target a permit, an in-flight slot or a timeout.
    mutating func tokenMissing() -> Action {
        guard state == .choosingTarget else { return .none }
        state = .awaitingToken
        return .awaitToken
    }

    /// A 401 to the gateway's token left the token in use (its provider refreshes at most once a second
    /// on 401s): trying again would carry the same token, so the 401 goes to the client.
    mutating func unauthorizedTokenKept() {
        credentialsRetried = true
    }

    /// A token is ready (after ``Action/awaitToken`` or ``Action/refreshCredentials(_:)``): pick a target.
    mutating func credentialsRefreshed() -> Action {
        guard state == .awaitingToken else { return .none }
        state = .choosingTarget
        return .pickTarget(excluding: triedTargets)
    }

    /// No token could be had for the request (`detail` says why, without secrets): 503.
    mutating func credentialsUnavailable(_ detail: String) -> Action {
        guard state == .awaitingToken else { return .none }
        return answer(.credentialsUnavailable(detail))
    }

    /// The backoff between attempts is over.
    mutating func backoffElapsed() -> Action {
        guard state == .backingOff else { return .none }
        state = .choosingTarget
        return .pickTarget(excluding: triedTargets)
    }

    /// The retry budget answered ``Action/askRetryBudget``.
    mutating func retryBudgetAnswered(granted: Bool, using generator: inout some RandomNumberGenerator) -> Action {
        guard case .decidingRetry(let attempt, let failure, let head) = state, let policy else { return .none }
        if granted {
            let delay = policy.backoff.delay(attempt: attempts, previous: previousBackoff, using: &generator)
            previousBackoff = delay
            state = .backingOff
            return .retry(AttemptSettlement(attempt: attempt.number, outcome: .failed(failure), reusesConnection: false), after: delay)
        }
        if let head {
            // A retryable status the budget cannot pay for is the client's response after all.
            return responseHeadAccepted(head, attempt: attempt)
        }
        return answer(.attemptFailed(failure), settling: AttemptSettlement(attempt: attempt.number, outcome: .failed(failure), reusesConnection: false))
    }

    /// Records a failed attempt: asks for the retry budget when everything else allows another
    /// attempt, otherwise answers the client. `head` is the response of a retryable status.
    mutating func attemptFailed(_ attempt: Attempt, _ failure: AttemptFailure, head: HTTPResponseHead? = nil) -> Action {
        if mayRetry(after: failure) {
            state = .decidingRetry(attempt, failure, head: head)
            return .askRetryBudget
        }
        if let head { return responseHeadAccepted(head, attempt: attempt) }
        return answer(.attemptFailed(failure), settling: AttemptSettlement(attempt: attempt.number, outcome: .failed(failure), reusesConnection: false))
    }

    /// Whether another attempt may follow `failure`, budget aside: no response started, attempts left,
    /// a method that may be retried, a body that can be replayed, and a status listed for retries.
    func mayRetry(after failure: AttemptFailure) -> Bool {
        guard let policy, !responseStarted, attempts < policy.maxAttempts, body.replayable, policy.retriesMethod else { return false }
        // An upgrade is never sent twice: only an attempt that never reached its target is tried again.
        if policy.upgrade != nil {
            guard case .connect = failure else { return false }
        }
        if case .status(let code) = failure { return policy.retryStatuses.contains(code) }
        return true
    }
}
