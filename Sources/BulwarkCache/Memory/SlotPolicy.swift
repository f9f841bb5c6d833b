/// The bookkeeping of ``WTinyLFU`` without the values: which key is in which numbered slot, the segments'
/// recency lists, the frequency sketch, the expiry schedule, the budgets and the counters.
///
/// Not generic, so it is compiled once, fully optimised, whatever the cached type. ``WTinyLFU`` keeps the
/// values in an array with the same slot numbers, stores a value where ``write(_:hash:cost:expiresAt:now:)``
/// says, and releases the values of the slots listed in ``removedSlots`` after each call.
@usableFromInline
struct SlotPolicy: Sendable {
    var slots: [Slot] = []
    /// The first unused slot; unused slots are chained through `next`.
    var freeSlot: Int32 = -1
    var index = SlotIndex()
    var window = SegmentList()
    var probation = SegmentList()
    var protected = SegmentList()
    var sketch: FrequencySketch
    var expiries = ExpiryHeap()
    let limits: Limits
    var randomState: UInt64
    /// The seed of every ``KeyHash`` this policy is given.
    @usableFromInline let hashSeed: UInt64
    var totalBytes = 0
    /// The hash of the last key a lookup missed. A write of that key right after is the caller filling the
    /// cache after the miss (cache-aside), the same request, so it is not counted in the sketch twice.
    var lastMissHash: UInt64?
    /// Slots emptied since the owner last released their values.
    @usableFromInline var removedSlots: [Int32] = []
    var hits = 0
    var misses = 0
    var evictions = 0
    var expirations = 0
    var rejections = 0

    init(maximumEntries: Int, maximumBytes: Int, maximumEntryBytes: Int?, hashSeed: UInt64, randomSeed: UInt64) {
        precondition(maximumEntries >= 1 && maximumBytes >= 1, "WTinyLFU needs at least one entry and one byte")
        limits = Limits(maximumEntries: maximumEntries, maximumBytes: maximumBytes, maximumEntryBytes: maximumEntryBytes)
        sketch = FrequencySketch(expectedEntries: maximumEntries)
        randomState = randomSeed
        self.hashSeed = hashSeed
    }

    /// The contents and counters.
    var statistics: MemoryCacheStatistics {
        MemoryCacheStatistics(
            entries: index.count, bytes: totalBytes, hits: hits, misses: misses,
            evictions: evictions, expirations: expirations, rejections: rejections
        )
    }

    /// The slot of `key`, if it is held.
    func slot(of key: String, hash: UInt64) -> Int32? {
        index.find(key, hash: hash, in: slots)
    }

    /// Empties the slots of the keys that satisfy `shouldRemove`; returns how many.
    mutating func removeAll(where shouldRemove: (String) -> Bool) -> Int {
        removeAll(whereSlot: { _, key in shouldRemove(key) })
    }

    /// Removes every entry for which `shouldRemove(slot, key)` is true; returns how many it removed.
    mutating func removeAll(whereSlot shouldRemove: (Int, String) -> Bool) -> Int {
        let matching = slots.indices.filter { slots[$0].segment != .free && shouldRemove($0, slots[$0].key) }
        for slot in matching { removeSlot(Int32(slot)) }
        return matching.count
    }

    /// Empties every slot; keeps the sketch and the counters.
    mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        index.removeAll()
        freeSlot = -1
        window = SegmentList()
        probation = SegmentList()
        protected = SegmentList()
        expiries.removeAll()
        totalBytes = 0
    }
}
