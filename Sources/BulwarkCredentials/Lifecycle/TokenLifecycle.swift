/// The decisions of a ``TokenProvider`` as a pure value: which token a request uses, when a request must
/// wait, when a refresh starts, and what happens to waiting requests when it ends.
///
/// Every method takes `now` (time on the provider's clock) and returns what to do; it never reads a
/// clock, locks, sleeps or performs I/O. Timers are actions (``Action/scheduleRenewal(at:)``) that come
/// back as ``renewalTimerFired(at:)``.
///
/// Invariants (property-tested):
/// - at most one refresh is in flight;
/// - a request waits only when no unexpired token exists, and only while a refresh is in flight;
/// - the current token is used until it expires, even while refreshes fail;
/// - a background refresh is never due sooner than ``TokenRenewalPolicy/minimumInterval`` after the last one ended;
/// - a 401 seen with the current token starts one refresh; a 401 with a token already replaced starts none;
///   401-started refreshes are at least ``TokenRenewalPolicy/minimumInterval`` apart (an upstream that
///   answers 401 to every token cannot make the gateway storm its token endpoint).
///
/// ```
///            start / request / timer                 succeeded(token)
///   none ─────────────────────────▶ refreshing ─────────────────────────▶ valid(token)
///                                     ▲    │ failed                        │ renewal due, 401 with it
///                                     │    ▼                               │
///                   timer / request  failing(current?, since, error) ◀─────┘ (via refreshing)
/// ```
public struct TokenLifecycle: Sendable {
    /// When and how to renew.
    public let policy: TokenRenewalPolicy
    /// The latest token issued, until a 401 rejects it (it may have expired: see ``usableToken(at:)``).
    public private(set) var current: AccessToken?
    /// The refresh in flight, if any.
    public private(set) var refreshInFlight: RefreshStart?
    /// Requests waiting for a token, in arrival order.
    public private(set) var waiters: [WaiterID] = []
    /// The run of failed refreshes since the last success, if the last refresh failed.
    public private(set) var failure: FailureStreak?
    /// When the next background refresh is due.
    public private(set) var renewalDeadline: Duration?
    /// How the last refresh ended.
    public private(set) var lastRefresh: RefreshRecord?
    /// Whether ``shutdown()`` was called: nothing starts any more.
    public private(set) var isShutDown = false
    private var refreshesStarted: UInt64 = 0
    /// When a 401 last started a refresh.
    private var lastUnauthorizedRefresh: Duration?

    /// A lifecycle without a token, nothing in flight.
    public init(policy: TokenRenewalPolicy = TokenRenewalPolicy()) {
        self.policy = policy
    }

    /// The current token if it has not expired at `now` (and the lifecycle is not shut down).
    public func usableToken(at now: Duration) -> AccessToken? {
        guard !isShutDown, let current, now < current.expiresAt else { return nil }
        return current
    }

    /// The state at `now`, for status pages and tests.
    public func state(at now: Duration) -> State {
        if isShutDown { return .shutDown }
        let usable = usableToken(at: now)
        if refreshInFlight != nil { return .refreshing(current: usable) }
        if let failure { return .failing(current: usable, since: failure.since, lastError: failure.lastError) }
        if let usable { return .valid(usable) }
        return .none
    }

    // MARK: Events

    /// The provider starts: fetch a first token unless one is usable or on its way.
    public mutating func started(at now: Duration) -> [Action] {
        guard !isShutDown, refreshInFlight == nil, usableToken(at: now) == nil else { return [] }
        return [.startRefresh(beginRefresh(.initial))]
    }

    /// A request identified by `waiter` needs a token at `now`.
    /// - Returns: use the current token, or wait (starting a refresh unless one is in flight), or fail.
    public mutating func tokenNeeded(by waiter: WaiterID, at now: Duration) -> TokenDecision {
        if isShutDown { return .unavailable(.shutDown) }
        if let token = usableToken(at: now) { return .use(token) }
        waiters.append(waiter)
        if refreshInFlight != nil { return .wait(startRefresh: nil) }
        return .wait(startRefresh: beginRefresh(.noToken))
    }

    /// The renewal timer fired at `now`. Early or stale firings reschedule or do nothing.
    public mutating func renewalTimerFired(at now: Duration) -> [Action] {
        guard !isShutDown, refreshInFlight == nil, let deadline = renewalDeadline else { return [] }
        guard now >= deadline else { return [.scheduleRenewal(at: deadline)] }
        renewalDeadline = nil
        return [.startRefresh(beginRefresh(failure == nil ? .renewal : .retry))]
    }

    /// The refresh `id` returned `token` at `now`: waiting requests get it and the next renewal is scheduled.
    public mutating func refreshSucceeded(_ id: RefreshID, token: AccessToken, at now: Duration) -> [Action] {
        guard let started = refreshInFlight, started.id == id else { return [] }
        refreshInFlight = nil
        current = token
        failure = nil
        lastRefresh = RefreshRecord(reason: started.reason, endedAt: now, failure: nil)
        let deadline = policy.renewalDeadline(for: token, at: now)
        renewalDeadline = deadline
        var actions: [Action] = [.scheduleRenewal(at: deadline)]
        if !waiters.isEmpty {
            actions.append(.resume(waiters, with: token))
            waiters = []
        }
        return actions
    }

    /// The refresh `id` failed at `now`: waiting requests fail (they only wait when no unexpired token
    /// exists), the current token stays in use while it is valid, and a retry is scheduled.
    public mutating func refreshFailed(_ id: RefreshID, failure reason: RefreshFailure, at now: Duration) -> [Action] {
        guard let started = refreshInFlight, started.id == id else { return [] }
        refreshInFlight = nil
        failure = FailureStreak(
            since: failure?.since ?? now,
            lastError: reason,
            consecutiveFailures: (failure?.consecutiveFailures ?? 0) + 1
        )
        lastRefresh = RefreshRecord(reason: started.reason, endedAt: now, failure: reason)
        let deadline = policy.retryDeadline(current: usableToken(at: now), at: now)
        renewalDeadline = deadline
        var actions: [Action] = [.scheduleRenewal(at: deadline)]
        if !waiters.isEmpty {
            actions.append(.fail(waiters, .refreshFailed(reason)))
            waiters = []
        }
        return actions
    }

    /// A request sent with `token` was answered 401 at `now`. When `token` is the current one it is
    /// dropped and one refresh starts (unless one is in flight); a token already replaced changes nothing.
    /// Within ``TokenRenewalPolicy/minimumInterval`` of the last refresh a 401 started, the 401 is
    /// ignored and the token kept: refreshing again so soon would not help, and would storm the endpoint.
    public mutating func unauthorized(with token: AccessToken, at now: Duration) -> [Action] {
        guard !isShutDown, let current, current.value == token.value else { return [] }
        if let last = lastUnauthorizedRefresh, now - last < policy.minimumInterval { return [] }
        self.current = nil
        guard refreshInFlight == nil else { return [] }
        lastUnauthorizedRefresh = now
        return [.startRefresh(beginRefresh(.unauthorized))]
    }

    /// The request `waiter` stopped waiting (its task was cancelled).
    /// - Returns: whether it was still waiting.
    public mutating func waiterCancelled(_ waiter: WaiterID) -> Bool {
        guard let index = waiters.firstIndex(of: waiter) else { return false }
        waiters.remove(at: index)
        return true
    }

    /// The provider shuts down: waiting requests fail, the renewal timer is cancelled, a refresh in
    /// flight is forgotten (its result will be ignored).
    public mutating func shutdown() -> [Action] {
        guard !isShutDown else { return [] }
        isShutDown = true
        refreshInFlight = nil
        renewalDeadline = nil
        var actions: [Action] = [.cancelRenewal]
        if !waiters.isEmpty {
            actions.append(.fail(waiters, .shutDown))
            waiters = []
        }
        return actions
    }

    private mutating func beginRefresh(_ reason: RefreshReason) -> RefreshStart {
        refreshesStarted += 1
        let start = RefreshStart(id: RefreshID(refreshesStarted), reason: reason)
        refreshInFlight = start
        return start
    }
}
