/// The eviction and admission policy of ``MemoryCache``: W-TinyLFU as in Caffeine, as a plain value that is
/// not thread-safe (``MemoryCache`` keeps one per shard under a lock).
///
/// New entries enter a small LRU *admission window* (1% of the budgets). An entry pushed out of the window
/// becomes a *candidate* for the main space, a segmented LRU whose *probation* part holds the rest and
/// whose *protected* part (80% of the main space) holds entries requested again while on probation. When
/// the cache is over budget, the candidate is compared with probation's least recent entry, the *victim*,
/// by their estimated recent request counts from a ``FrequencySketch``: the candidate replaces the victim
/// only when it is strictly more frequent (a tie keeps the victim). A candidate with a frequency of 6 or
/// more is also let in at random one time in 128, so that an attacker cannot pin a victim by flooding the
/// sketch with colliding keys. The result keeps popular entries through long one-time scans, where plain
/// LRU would lose them, and still adapts to new popular keys through the window.
///
/// Both budgets apply: at most `maximumEntries` entries and at most `maximumBytes` bytes (the sum of the
/// caller's cost of each entry). Each entry may carry an expiry time; time is a `Duration` since any
/// origin the caller chooses, passed in as `now`; the policy never reads a clock. Expired entries are never
/// returned, and they are dropped, earliest first, before any live entry is evicted.
///
/// Entries live in one array of slots linked into three lists by slot number, so a hit allocates nothing.
///
/// ```swift
/// var policy = WTinyLFU<String>(maximumEntries: 1_000, maximumBytes: 1 << 20)
/// policy.set("user:42", "Ada", cost: 3, expiresAt: .seconds(60), now: .zero)
/// policy.get("user:42", now: .seconds(1))   // "Ada"
/// policy.get("user:42", now: .seconds(60))  // nil: expired, and removed
/// ```
public struct WTinyLFU<Value> {
    var slots: [Slot] = []
    /// The first unused slot; unused slots are chained through `next`.
    var freeSlot: Int32 = -1
    var index: [String: Int32] = [:]
    var window = SegmentList()
    var probation = SegmentList()
    var protected = SegmentList()
    var sketch: FrequencySketch
    var expiries = ExpiryHeap()
    let limits: Limits
    var randomState: UInt64
    var totalBytes = 0
    var hits = 0
    var misses = 0
    var evictions = 0
    var expirations = 0
    var rejections = 0

    /// A policy that holds at most `maximumEntries` entries and `maximumBytes` bytes.
    ///
    /// - Parameters:
    ///   - maximumEntries: The entry budget, at least 1.
    ///   - maximumBytes: The byte budget, at least 1.
    ///   - maximumEntryBytes: The largest entry stored; nil or anything larger means `maximumBytes`.
    ///   - seed: Seeds the rare random admission of frequent candidates; the same seed gives the same
    ///     decisions for the same calls.
    public init(maximumEntries: Int, maximumBytes: Int, maximumEntryBytes: Int? = nil, seed: UInt64 = 0) {
        precondition(maximumEntries >= 1 && maximumBytes >= 1, "WTinyLFU needs at least one entry and one byte")
        limits = Limits(maximumEntries: maximumEntries, maximumBytes: maximumBytes, maximumEntryBytes: maximumEntryBytes)
        sketch = FrequencySketch(expectedEntries: maximumEntries)
        randomState = seed
    }

    /// The number of entries held, expired ones included until they are found.
    public var count: Int { index.count }

    /// The bytes held: the sum of the costs of the entries.
    public var bytes: Int { totalBytes }

    /// The contents and counters of this policy.
    public var statistics: MemoryCacheStatistics {
        MemoryCacheStatistics(
            entries: index.count, bytes: totalBytes, hits: hits, misses: misses,
            evictions: evictions, expirations: expirations, rejections: rejections
        )
    }

    /// The value of `key`, or nil when it is absent or expired at `now` (an expired entry is removed).
    ///
    /// Counts the request in the frequency sketch either way, so that a key asked for again and again is
    /// admitted when it is finally set.
    public mutating func get(_ key: String, now: Duration) -> Value? {
        get(key, hash: KeyHash.of(key), now: now)
    }

    /// Stores `value` for `key`, replacing any earlier value and cost, to expire at `expiresAt` (nil:
    /// never). May evict other entries, or refuse this one; see ``SetOutcome``.
    ///
    /// A negative cost counts as 0. A value larger than the largest entry allowed, or already expired at
    /// `now`, is not stored, and any earlier value of `key` is removed.
    public mutating func set(_ key: String, _ value: Value, cost: Int, expiresAt: Duration?, now: Duration) -> SetOutcome {
        set(key, hash: KeyHash.of(key), value, cost: cost, expiresAt: expiresAt, now: now)
    }

    /// Removes `key`; returns its value, if it was held (even when expired).
    public mutating func remove(_ key: String) -> Value? {
        guard let slot = index[key] else { return nil }
        return removeSlot(slot)
    }

    /// Removes every entry whose key satisfies `shouldRemove`, e.g. `{ $0.hasPrefix("user:") }`; returns
    /// how many it removed. Visits every entry.
    public mutating func removeAll(where shouldRemove: (String) -> Bool) -> Int {
        let matching = index.compactMap { shouldRemove($0.key) ? $0.value : nil }
        for slot in matching { _ = removeSlot(slot) }
        return matching.count
    }

    /// Removes every entry. Keeps the frequency sketch and the counters.
    public mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
        freeSlot = -1
        window = SegmentList()
        probation = SegmentList()
        protected = SegmentList()
        expiries.removeAll()
        totalBytes = 0
    }
}

extension WTinyLFU: Sendable where Value: Sendable {}
