/// One key's lease on a shared allowance, as one instance holds it: a pure value that takes requests and
/// the shared store's grants with the time (`now`, monotonic nanoseconds) and says what to do. The
/// store around it does the round trips.
///
/// - While the lease holds requests and has not expired, requests are decided here.
/// - When it is spent or expired, one request fetches a new slice (``Decision/fetch(size:)``) and the
///   others wait for that fetch; a refusal from the store is remembered until its retry time, so a key
///   over its limit costs no round trip per request either.
/// - The slice follows this instance's rate for the key: the requests of the last whole second, at
///   least the cost and at most ``Limits/maximumSlice``.
/// - A lease down to a quarter of its slice asks for the next slice ahead (``refillSize(now:limits:)``),
///   so a busy key keeps deciding locally while the refill is on its way.
struct RateLimitLease: Sendable {
    /// How leases are sized and how long they last.
    struct Limits: Sendable, Equatable {
        /// How long a slice may be spent after it was taken.
        var duration: UInt64
        /// The most requests one slice holds.
        var maximumSlice: Int
    }

    enum Decision: Equatable {
        /// Admitted from the lease; `remaining` is what the shared allowance had left at the last fetch,
        /// less what this lease spent since.
        case allow(remaining: Int)
        /// Refused until `retryAfter` nanoseconds from now (the store said so and the time has not come).
        case deny(retryAfter: UInt64, remaining: Int)
        /// Take a slice of `size` requests from the store, then report ``granted(_:remaining:retryAfter:cost:now:)``.
        case fetch(size: Int)
        /// Another request is fetching: wait for it, then ask again.
        case wait
    }

    private(set) var remaining = 0
    private var expiresAt: UInt64 = 0
    private var deniedUntil: UInt64 = 0
    private var sharedRemaining = 0
    private(set) var fetching = false
    /// Requests counted in the current one-second bucket, and in the one before it.
    private var bucketStart: UInt64 = 0
    private var bucketCount = 0
    private var lastSecondCount = 0

    /// Unspent requests this lease holds at `now` (0 once it has expired).
    func unspent(now: UInt64) -> Int { now < expiresAt ? remaining : 0 }

    /// Whether nothing here matters any more at `now` (the entry can be dropped).
    func isIdle(now: UInt64) -> Bool { !fetching && now >= expiresAt && now >= deniedUntil }

    /// The decision the lease can take on its own at `now`, or nil (nothing changed) when a fetch is
    /// needed or under way.
    mutating func decideLocally(cost: Int, now: UInt64) -> Decision? {
        if now < expiresAt, remaining >= cost {
            count(cost, now: now)
            remaining -= cost
            sharedRemaining = max(0, sharedRemaining - cost)
            return .allow(remaining: sharedRemaining)
        }
        if now < deniedUntil {
            count(cost, now: now)
            return .deny(retryAfter: deniedUntil - now, remaining: 0)
        }
        return nil
    }

    /// Decides from the lease when it can; otherwise starts a fetch or, while one is under way, says to
    /// wait for it. A request counts towards the rate once, when it is decided or starts the fetch.
    mutating func request(cost: Int, now: UInt64, limits: Limits) -> Decision {
        if let decision = decideLocally(cost: cost, now: now) { return decision }
        if fetching { return .wait }
        count(cost, now: now)
        fetching = true
        return .fetch(size: sliceSize(cost: cost, limits: limits))
    }

    /// Drops what the lease holds and any refusal in force (the key was reset); a fetch under way
    /// still completes.
    mutating func forget() {
        remaining = 0
        expiresAt = 0
        deniedUntil = 0
        sharedRemaining = 0
    }

    /// The store granted `granted` requests (0: refused, retry after `retryAfter` ns); the fetching
    /// request's `cost` is taken from them first.
    mutating func granted(_ granted: Int, remaining shared: Int, retryAfter: UInt64, cost: Int, now: UInt64, limits: Limits) -> Decision {
        fetching = false
        guard granted >= cost else {
            // A partial grant smaller than the cost is kept for later requests; this one is refused.
            remaining = granted
            expiresAt = granted > 0 ? now + limits.duration : 0
            deniedUntil = now + max(retryAfter, 1)
            sharedRemaining = shared
            return .deny(retryAfter: max(retryAfter, 1), remaining: shared)
        }
        remaining = granted - cost
        expiresAt = now + limits.duration
        deniedUntil = 0
        sharedRemaining = shared + remaining
        return .allow(remaining: sharedRemaining)
    }

    /// The fetch failed (the store is unreachable): the next request tries again.
    mutating func fetchFailed() { fetching = false }

    /// After a local admission: the size of the slice to ask for ahead when this lease is down to a
    /// quarter of what the current rate needs and no fetch is under way (it is then marked as fetching);
    /// nil otherwise.
    mutating func refillSize(now: UInt64, limits: Limits) -> Int? {
        guard !fetching, now < expiresAt, now >= deniedUntil else { return nil }
        let slice = sliceSize(cost: 1, limits: limits)
        guard slice > 1, remaining * 4 <= slice else { return nil }
        fetching = true
        return slice
    }

    /// A refill asked for ahead came back: its requests join what is left, and the lease runs for a new
    /// period; a refusal leaves what is left and is remembered until its retry time.
    mutating func refilled(_ granted: Int, remaining shared: Int, retryAfter: UInt64, now: UInt64, limits: Limits) {
        fetching = false
        let left = now < expiresAt ? remaining : 0
        if granted == 0 {
            deniedUntil = now + max(retryAfter, 1)
            return
        }
        remaining = left + granted
        expiresAt = now + limits.duration
        sharedRemaining = shared + remaining
    }

    private mutating func count(_ cost: Int, now: UInt64) {
        if now >= bucketStart + 1_000_000_000 {
            lastSecondCount = now >= bucketStart + 2_000_000_000 ? 0 : bucketCount
            bucketStart = now
            bucketCount = 0
        }
        bucketCount += cost
    }

    private func sliceSize(cost: Int, limits: Limits) -> Int {
        let perLease = Int(Double(lastSecondCount) * Double(limits.duration) / 1e9)
        return min(max(cost, perLease), max(cost, limits.maximumSlice))
    }
}
