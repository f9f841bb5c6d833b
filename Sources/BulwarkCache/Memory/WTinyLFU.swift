import Resilience

/// The eviction and admission policy of ``MemoryCache``: W-TinyLFU as in Caffeine, as a plain value that is
/// not thread-safe (``MemoryCache`` keeps one per shard under a lock).
///
/// New entries enter a small LRU *admission window* (1% of the budgets). An entry pushed out of the window
/// becomes a *candidate* for the main space, a segmented LRU whose *probation* part holds the rest and
/// whose *protected* part (80% of the main space) holds entries requested again while on probation. When
/// the cache is over budget, the candidate is compared with probation's least recent entry, the *victim*,
/// by their estimated recent request counts from a 4-bit count-min sketch: the candidate replaces the victim
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
/// The sketch counts every request: each `get`, hit or miss (so a key asked for again and again is
/// admitted in the end), and each `set`, except the set that fills the cache right after a miss of the
/// same key, which is the same request.
///
/// Entries live in one array of slots linked into three lists by slot number, so a hit allocates nothing;
/// the bookkeeping is non-generic (compiled once, whatever `Value` is), and the values sit in an array
/// with the same numbers.
///
/// ```swift
/// var policy = WTinyLFU<String>(maximumEntries: 1_000, maximumBytes: 1 << 20)
/// policy.set("user:42", "Ada", cost: 3, expiresAt: .seconds(60), now: .zero)
/// policy.get("user:42", now: .seconds(1))   // "Ada"
/// policy.get("user:42", now: .seconds(60))  // nil: expired, and removed
/// ```
public struct WTinyLFU<Value> {
    @usableFromInline var core: SlotPolicy
    /// `values[slot]` is the value of the entry in `slot`, nil for an empty slot.
    @usableFromInline var values: [Value?] = []

    /// A policy that holds at most `maximumEntries` entries and `maximumBytes` bytes.
    ///
    /// - Parameters:
    ///   - maximumEntries: The entry budget, at least 1.
    ///   - maximumBytes: The byte budget, at least 1.
    ///   - maximumEntryBytes: The largest entry stored; nil or anything larger means `maximumBytes`.
    ///   - seed: Seeds the key hash (so that outsiders cannot craft colliding keys; pass a random one when
    ///     keys come from untrusted input) and the rare random admission of frequent candidates. The same
    ///     seed gives the same decisions for the same calls.
    public init(maximumEntries: Int, maximumBytes: Int, maximumEntryBytes: Int? = nil, seed: UInt64 = 0) {
        self.init(
            maximumEntries: maximumEntries, maximumBytes: maximumBytes, maximumEntryBytes: maximumEntryBytes,
            hashSeed: RandomSource.splitMix64(seed), randomSeed: seed
        )
    }

    /// A policy whose keys are hashed under `hashSeed`, e.g. one shared by the shards of a cache.
    init(maximumEntries: Int, maximumBytes: Int, maximumEntryBytes: Int?, hashSeed: UInt64, randomSeed: UInt64) {
        core = SlotPolicy(
            maximumEntries: maximumEntries, maximumBytes: maximumBytes, maximumEntryBytes: maximumEntryBytes,
            hashSeed: hashSeed, randomSeed: randomSeed
        )
    }

    /// The number of entries held, expired ones included until they are found.
    public var count: Int { core.index.count }

    /// The bytes held: the sum of the costs of the entries.
    public var bytes: Int { core.totalBytes }

    /// The contents and counters of this policy.
    public var statistics: MemoryCacheStatistics { core.statistics }

    /// The value of `key`, or nil when it is absent or expired at `now` (an expired entry is removed).
    ///
    /// Counts the request in the frequency sketch either way, so that a key asked for again and again is
    /// admitted when it is finally set.
    @inlinable
    public mutating func get(_ key: String, now: Duration) -> Value? {
        get(key, hash: KeyHash.of(key, seed: core.hashSeed), now: now)
    }

    /// Stores `value` for `key`, replacing any earlier value and cost, to expire at `expiresAt` (nil:
    /// never). May evict other entries, or refuse this one; see ``SetOutcome``.
    ///
    /// A negative cost counts as 0. A value larger than the largest entry allowed, or already expired at
    /// `now`, is not stored, and any earlier value of `key` is removed.
    public mutating func set(_ key: String, _ value: Value, cost: Int, expiresAt: Duration?, now: Duration) -> SetOutcome {
        set(key, hash: KeyHash.of(key, seed: core.hashSeed), value, cost: cost, expiresAt: expiresAt, now: now)
    }

    /// Removes `key`; returns its value, if it was held (even when expired).
    public mutating func remove(_ key: String) -> Value? {
        remove(key, hash: KeyHash.of(key, seed: core.hashSeed))
    }

    /// ``remove(_:)`` with the key's hash already computed.
    mutating func remove(_ key: String, hash: UInt64) -> Value? {
        guard let slot = core.remove(key, hash: hash) else { return nil }
        let value = values[Int(slot)]
        releaseRemovedValues()
        return value
    }

    /// Removes every entry whose key satisfies `shouldRemove`, e.g. `{ $0.hasPrefix("user:") }`; returns
    /// how many it removed. Visits every entry.
    public mutating func removeAll(where shouldRemove: (String) -> Bool) -> Int {
        let removed = core.removeAll(where: shouldRemove)
        releaseRemovedValues()
        return removed
    }

    /// Removes every entry whose key and value satisfy `shouldRemove`; returns how many it removed.
    public mutating func removeAll(where shouldRemove: (String, Value) -> Bool) -> Int {
        let values = self.values
        let removed = core.removeAll(whereSlot: { slot, key in
            slot < values.count && values[slot].map { shouldRemove(key, $0) } == true
        })
        releaseRemovedValues()
        return removed
    }

    /// Removes every entry. Keeps the frequency sketch and the counters.
    public mutating func removeAll() {
        core.removeAll()
        core.removedSlots.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    /// ``get(_:now:)`` with the key's hash already computed.
    @inlinable
    mutating func get(_ key: String, hash: UInt64, now: Duration) -> Value? {
        if let slot = core.lookup(key, hash: hash, now: now) { return values[Int(slot)] }
        releaseRemovedValues()
        return nil
    }

    /// ``set(_:_:cost:expiresAt:now:)`` with the key's hash already computed.
    mutating func set(
        _ key: String, hash: UInt64, _ value: Value, cost: Int, expiresAt: Duration?, now: Duration
    ) -> SetOutcome {
        let (slot, outcome) = core.write(key, hash: hash, cost: cost, expiresAt: expiresAt, now: now)
        releaseRemovedValues()
        if let slot {
            let position = Int(slot)
            if position >= values.count { values.append(contentsOf: repeatElement(nil, count: position + 1 - values.count)) }
            values[position] = value
        }
        return outcome
    }

    /// Drops the values of the slots the policy emptied.
    @usableFromInline
    mutating func releaseRemovedValues() {
        // A slot created and emptied within the same write never had a value.
        for slot in core.removedSlots where Int(slot) < values.count { values[Int(slot)] = nil }
        core.removedSlots.removeAll(keepingCapacity: true)
    }
}

extension WTinyLFU: Sendable where Value: Sendable {}
