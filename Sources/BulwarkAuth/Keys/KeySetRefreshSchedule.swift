/// When one issuer's key set is fetched again: a pure value that takes `now` (time since the provider's
/// clock started) and never reads a clock or does I/O.
///
/// - A scheduled fetch is due at the last success + `refresh`. After a failure it is retried with backoff:
///   1 s, doubling on each failure in a row, never longer than `refresh` (see ``retryDelay(afterFailures:refresh:)``).
/// - A token naming an unknown `kid` may cause a fetch at most once per ``unknownKeyCooldown``.
/// - While a fetch is under way nothing else starts (one fetch at a time per issuer).
/// - The set is stale when it was never loaded, or its last success is older than 2 × `refresh`.
///
/// ```swift
/// var schedule = KeySetRefreshSchedule(refresh: .seconds(300), now: .zero)
/// schedule.isDue(at: .zero)                    // true: the first load
/// schedule.fetchStarted(at: .zero)
/// schedule.fetchSucceeded(at: .seconds(1))     // next due at 301 s
/// schedule.unknownKeySeen(at: .seconds(5))     // .fetch
/// ```
struct KeySetRefreshSchedule: Sendable, Hashable {
    /// The shortest time between two fetches caused by unknown `kid`s: 10 seconds.
    static let unknownKeyCooldown: Duration = .seconds(10)
    /// The first retry delay after a failure: 1 second.
    static let firstRetryDelay: Duration = .seconds(1)

    /// What a token with an unknown `kid` gets.
    enum UnknownKeyAction: Sendable, Hashable {
        /// Fetch now (the fetch is recorded as started).
        case fetch
        /// A fetch is already under way: wait for it.
        case join
        /// The cooldown has not passed: no fetch before `until`.
        case coolDown(until: Duration)
    }

    /// The interval between scheduled fetches.
    let refresh: Duration
    /// The cooldown between unknown-`kid` fetches.
    let cooldown: Duration
    /// When the next scheduled fetch is due.
    private(set) var nextDue: Duration
    /// When the last fetch succeeded; nil before the first success.
    private(set) var lastSuccess: Duration?
    /// Failures since the last success.
    private(set) var failuresInARow = 0
    /// Whether a fetch is under way.
    private(set) var fetching = false
    /// When the last unknown-`kid` fetch started.
    private(set) var lastUnknownKeyFetch: Duration?

    /// A schedule whose first fetch is due at `now`.
    init(refresh: Duration, cooldown: Duration = unknownKeyCooldown, now: Duration) {
        self.refresh = max(refresh, .seconds(1))
        self.cooldown = cooldown
        self.nextDue = now
    }

    /// Whether a scheduled fetch should start at `now`: due, and none under way.
    func isDue(at now: Duration) -> Bool { !fetching && now >= nextDue }

    /// A fetch (scheduled, or for any other reason) started.
    mutating func fetchStarted(at now: Duration) { fetching = true }

    /// The fetch under way will not be heard from (its result is dropped after a reload): nothing is under
    /// way any more, and the due time stays as it was.
    mutating func fetchAbandoned() { fetching = false }

    /// The fetch succeeded: the next one is due `refresh` later.
    mutating func fetchSucceeded(at now: Duration) {
        fetching = false
        lastSuccess = now
        failuresInARow = 0
        nextDue = now + refresh
    }

    /// The fetch failed: retry after the backoff for the failures in a row.
    mutating func fetchFailed(at now: Duration) {
        fetching = false
        failuresInARow += 1
        nextDue = now + Self.retryDelay(afterFailures: failuresInARow, refresh: refresh)
    }

    /// A token named a `kid` the set lacks, at `now`: fetch (and start the cooldown), join the fetch under
    /// way, or wait for the cooldown to pass.
    mutating func unknownKeySeen(at now: Duration) -> UnknownKeyAction {
        if fetching { return .join }
        if let last = lastUnknownKeyFetch, now < last + cooldown { return .coolDown(until: last + cooldown) }
        lastUnknownKeyFetch = now
        fetching = true
        return .fetch
    }

    /// Whether the set counts as stale at `now`: never loaded, or last loaded more than 2 × `refresh` ago.
    func isStale(at now: Duration) -> Bool {
        guard let lastSuccess else { return true }
        return now - lastSuccess > refresh * 2
    }

    /// The wait before retrying after `failures` failures in a row: 1 s, 2 s, 4 s, … never more than
    /// `refresh`.
    ///
    /// | failures | refresh 300 s | refresh 5 s |
    /// | --- | --- | --- |
    /// | 1 | 1 s | 1 s |
    /// | 2 | 2 s | 2 s |
    /// | 4 | 8 s | 5 s |
    /// | 10 | 300 s | 5 s |
    static func retryDelay(afterFailures failures: Int, refresh: Duration) -> Duration {
        let doublings = min(max(failures - 1, 0), 30)
        return min(firstRetryDelay * (1 << doublings), refresh)
    }
}
