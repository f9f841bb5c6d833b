import Foundation
import Resilience

extension TokenProvider {
    /// A waiting request to resume after unlocking, and with what.
    typealias Resumption = (CheckedContinuation<AccessToken, any Error>, Result<AccessToken, any Error>)

    /// Asks the lifecycle for a token for `waiter`; parks `continuation` when it must wait.
    func wait(_ waiter: TokenLifecycle.WaiterID, _ continuation: CheckedContinuation<AccessToken, any Error>) {
        let now = clock.now()
        let (immediate, events, resumptions) = core.withLock { core -> (Result<AccessToken, any Error>?, [TokenProviderEvent], [Resumption]) in
            switch core.machine.tokenNeeded(by: waiter, at: now) {
            case .use(let token):
                return (.success(token), [], [])
            case .unavailable(let reason):
                return (.failure(TokenUnavailableError(provider: name, reason: reason)), [], [])
            case .wait(let start):
                let (events, resumptions) = perform(start.map { [.startRefresh($0)] } ?? [], in: &core)
                if Task.isCancelled {   // the cancellation handler ran before the continuation was parked
                    _ = core.machine.waiterCancelled(waiter)
                    return (.failure(CancellationError()), events, resumptions)
                }
                core.continuations[waiter] = continuation
                return (nil, events, resumptions)
            }
        }
        if let immediate { continuation.resume(with: immediate) }
        finish(events, resumptions)
    }

    /// Carries out `actions` under the lock: arms the timer, starts the fetch, takes out the continuations
    /// to resume. Returns what to report and resume once unlocked.
    func perform(_ actions: [TokenLifecycle.Action], in core: inout Core) -> ([TokenProviderEvent], [Resumption]) {
        var events: [TokenProviderEvent] = []
        var resumptions: [Resumption] = []
        for action in actions {
            switch action {
            case .startRefresh(let start):
                core.fetch = startFetch(start)
                events.append(.refreshStarted(provider: name, reason: start.reason))
            case .scheduleRenewal(let deadline):
                core.timer?.cancel()
                core.timer = startTimer(until: deadline)
            case .cancelRenewal:
                core.timer?.cancel()
                core.timer = nil
            case .resume(let waiters, let token):
                for waiter in waiters {
                    if let continuation = core.continuations.removeValue(forKey: waiter) { resumptions.append((continuation, .success(token))) }
                }
            case .fail(let waiters, let reason):
                let error = TokenUnavailableError(provider: name, reason: reason)
                for waiter in waiters {
                    if let continuation = core.continuations.removeValue(forKey: waiter) { resumptions.append((continuation, .failure(error))) }
                }
            }
        }
        return (events, resumptions)
    }

    /// Resumes waiting requests and reports events, after unlocking.
    func finish(_ events: [TokenProviderEvent], _ resumptions: [Resumption]) {
        for (continuation, result) in resumptions { continuation.resume(with: result) }
        for event in events { telemetry.record(event) }
    }

    /// The renewal timer: sleeps on the provider's clock until `deadline`, then tells the lifecycle.
    private func startTimer(until deadline: Duration) -> Task<Void, Never> {
        let clock = self.clock
        return Task { [weak self] in
            do { try await clock.sleep(for: deadline - clock.now()) } catch { return }
            self?.renewalTimerFired()
        }
    }

    private func renewalTimerFired() {
        let now = clock.now()
        let (events, resumptions) = core.withLock { core in perform(core.machine.renewalTimerFired(at: now), in: &core) }
        finish(events, resumptions)
    }

    /// One refresh: the fetch through the pipeline, each attempt stamped with the time it started.
    private func startFetch(_ start: TokenLifecycle.RefreshStart) -> Task<Void, Never> {
        let clock = self.clock
        let fetch = self.fetchToken
        let pipeline = self.pipeline
        return Task { [weak self] in
            let result: Result<AccessToken, any Error>
            do {
                result = .success(try await pipeline.execute { () async throws -> AccessToken in
                    let issuedAt = clock.now()
                    let grant = try await fetch()
                    return AccessToken(value: grant.value, issuedAt: issuedAt, lifetime: grant.lifetime)
                })
            } catch {
                result = .failure(error)
            }
            self?.refreshEnded(start, result)
        }
    }

    private func refreshEnded(_ start: TokenLifecycle.RefreshStart, _ result: Result<AccessToken, any Error>) {
        let now = clock.now()
        let (events, resumptions) = core.withLock { core -> ([TokenProviderEvent], [Resumption]) in
            var events: [TokenProviderEvent] = []
            let actions: [TokenLifecycle.Action]
            switch result {
            case .success(let token):
                actions = core.machine.refreshSucceeded(start.id, token: token, at: now)
                if !actions.isEmpty {
                    events.append(.refreshSucceeded(
                        provider: name, reason: start.reason, lifetime: token.lifetime,
                        nextRenewalIn: (core.machine.renewalDeadline ?? now) - now
                    ))
                }
            case .failure(let error):
                var failure = Self.refreshFailure(error)
                if error is CircuitBreakerOpenError, let cause = core.machine.failure?.lastError {
                    // The breaker only says the endpoint kept failing: keep what it last said.
                    let root = cause.message.components(separatedBy: "; the token endpoint last said: ").last ?? cause.message
                    failure = RefreshFailure(message: "\(failure.message); the token endpoint last said: \(root)", httpStatus: cause.httpStatus)
                }
                actions = core.machine.refreshFailed(start.id, failure: failure, at: now)
                if !actions.isEmpty {
                    events.append(.refreshFailed(
                        provider: name, reason: start.reason, failure: failure,
                        tokenValidFor: core.machine.usableToken(at: now).map { $0.expiresAt - now }
                    ))
                }
            }
            if !actions.isEmpty { core.fetch = nil }
            let (more, resumptions) = perform(actions, in: &core)
            return (events + more, resumptions)
        }
        finish(events, resumptions)
    }

    /// What a failed fetch reports: the token endpoint's or the pipeline's message (neither holds a secret).
    static func refreshFailure(_ error: any Error) -> RefreshFailure {
        switch error {
        case let error as TokenEndpointError: RefreshFailure(message: error.description, httpStatus: error.httpStatus)
        case is CancellationError: RefreshFailure(message: "the refresh was cancelled")
        default: RefreshFailure(message: String(describing: error))
        }
    }
}
