extension InMemoryRateLimitStore {
    enum LimiterState: Sendable {
        case gcra(tat: Int64)
        case bucket(TokenBucket.State)
    }

    struct Entry: Sendable {
        var state: LimiterState
        /// When the state becomes the same as no state (the allowance is whole again).
        var expiresAt: Int64
    }

    /// One policy's bounded key table, pure apart from its own storage.
    ///
    /// Only entries whose allowance is whole again are ever removed, so no traffic can flush another
    /// key's state. When the table holds `maximumKeys` live entries, a key without an entry is decided
    /// against one shared ``overflow`` entry, whose allowance is the policy's own: all overflowed keys
    /// together get at most what one key would.
    ///
    /// Cost: one hash lookup per decision. A full sweep (O(keys)) runs every `sweepInterval`, and when
    /// the table is full only if some entry may be whole (``earliestExpiry``) and at least
    /// `maximumKeys / 8` new keys have arrived since a sweep that freed less than that: amortised O(1).
    struct PolicyTable: Sendable {
        let maximumKeys: Int
        let sweepInterval: Int64
        private(set) var entries: [String: Entry] = [:]
        /// The state shared by every key that found the table full.
        private(set) var overflow: Entry?
        /// No entry expires before this: lowered on every write (an entry's expiry only grows), exact
        /// after a sweep.
        private(set) var earliestExpiry: Int64 = .max
        private var nextSweep: Int64 = 0
        /// New keys to overflow before a full table is swept again.
        private var missesBeforeSweep = 0

        init(maximumKeys: Int, sweepInterval: Int64) {
            self.maximumKeys = max(1, maximumKeys)
            self.sweepInterval = max(sweepInterval, 1)
        }

        /// Decides one request for `key`; `overflowed` says it was decided against the shared entry.
        mutating func decide(_ key: String, policy: RateLimitPolicy, cost: Int, now: Int64) -> (decision: RateLimitDecision, overflowed: Bool) {
            if now >= nextSweep { sweep(now: now) }
            if let index = entries.index(forKey: key) {
                let stored = entries.values[index]
                let (decision, entry) = Self.apply(stored.expiresAt > now ? stored.state : nil, policy: policy, cost: cost, now: now)
                if entry.expiresAt <= now {
                    entries.remove(at: index)
                } else {
                    entries.values[index] = entry
                    earliestExpiry = min(earliestExpiry, entry.expiresAt)
                }
                return (decision, false)
            }
            let (decision, entry) = Self.apply(nil, policy: policy, cost: cost, now: now)
            if entry.expiresAt <= now { return (decision, false) }   // nothing taken: a whole allowance
            if entries.count >= maximumKeys && !makeRoom(now: now) {
                let shared = overflow.flatMap { $0.expiresAt > now ? $0.state : nil }
                let (sharedDecision, sharedEntry) = Self.apply(shared, policy: policy, cost: cost, now: now)
                overflow = sharedEntry.expiresAt > now ? sharedEntry : nil
                return (sharedDecision, true)
            }
            entries[key] = entry
            earliestExpiry = min(earliestExpiry, entry.expiresAt)
            return (decision, false)
        }

        /// Forgets `key` (an overflowed key has no state of its own to forget).
        mutating func remove(_ key: String) {
            entries.removeValue(forKey: key)
        }

        /// Frees room in a full table if the sweep budget allows; whether there is room now.
        private mutating func makeRoom(now: Int64) -> Bool {
            guard now >= earliestExpiry else { return false }   // every entry is still live
            if missesBeforeSweep > 0 {
                missesBeforeSweep -= 1
                return false
            }
            let freed = sweep(now: now)
            missesBeforeSweep = max(0, maximumKeys / 8 - freed)
            return entries.count < maximumKeys
        }

        /// Removes every entry whose allowance is whole again; returns how many.
        @discardableResult
        private mutating func sweep(now: Int64) -> Int {
            nextSweep = now &+ sweepInterval
            let before = entries.count
            var earliest = Int64.max
            entries = entries.filter { element in
                guard element.value.expiresAt > now else { return false }
                earliest = min(earliest, element.value.expiresAt)
                return true
            }
            earliestExpiry = earliest
            if let shared = overflow, shared.expiresAt <= now { overflow = nil }
            return before - entries.count
        }

        /// Runs the policy's algorithm on a stored state (`nil`: a whole allowance).
        static func apply(_ state: LimiterState?, policy: RateLimitPolicy, cost: Int, now: Int64) -> (RateLimitDecision, Entry) {
            switch policy.algorithm {
            case .gcra:
                var tat: Int64?
                if case .gcra(let value) = state { tat = value }
                let result = GCRA.decide(tat: tat, policy: policy, cost: cost, now: now)
                return (result.decision, Entry(state: .gcra(tat: result.tat), expiresAt: GCRA.expiry(of: result.tat)))
            case .tokenBucket:
                var bucket: TokenBucket.State?
                if case .bucket(let value) = state { bucket = value }
                let result = TokenBucket.decide(state: bucket, policy: policy, cost: cost, now: now)
                return (result.decision, Entry(state: .bucket(result.state), expiresAt: TokenBucket.expiry(of: result.state, policy: policy)))
            }
        }
    }
}
