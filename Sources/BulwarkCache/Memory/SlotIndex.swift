/// The key-to-slot table of ``SlotPolicy``: open addressing with linear probing over the ``KeyHash`` the
/// cache has already computed, so that a lookup hashes the key once (a `Dictionary<String, _>` would hash
/// it again). Keys themselves stay in the slots and are compared only when the full 64-bit hashes match.
///
/// Grows by doubling to stay at most half full; removal shifts later entries back instead of leaving
/// tombstones, so lookups never slow down with churn.
struct SlotIndex: Sendable {
    private struct Bucket: Sendable {
        var hash: UInt64
        /// The slot number, or -1 for an empty bucket.
        var slot: Int32
    }

    private static var empty: Bucket { Bucket(hash: 0, slot: -1) }
    private var buckets = Array(repeating: SlotIndex.empty, count: 16)
    private var mask = 15
    /// The number of keys.
    private(set) var count = 0

    /// The slot of `key` (with hash `hash`), looking keys up in `slots`.
    func find(_ key: String, hash: UInt64, in slots: [SlotPolicy.Slot]) -> Int32? {
        var position = Int(truncatingIfNeeded: hash) & mask
        while true {
            let bucket = buckets[position]
            if bucket.slot < 0 { return nil }
            if bucket.hash == hash, slots[Int(bucket.slot)].key == key { return bucket.slot }
            position = (position + 1) & mask
        }
    }

    /// Adds `slot` for a key with hash `hash` that is not in the table.
    mutating func insert(_ slot: Int32, hash: UInt64) {
        if (count + 1) * 2 > buckets.count { grow() }
        place(Bucket(hash: hash, slot: slot))
        count += 1
    }

    /// Removes `slot`, whose key has hash `hash`.
    mutating func remove(_ slot: Int32, hash: UInt64) {
        var hole = Int(truncatingIfNeeded: hash) & mask
        while buckets[hole].slot != slot {
            precondition(buckets[hole].slot >= 0, "SlotIndex: removing a slot that is not indexed")
            hole = (hole + 1) & mask
        }
        buckets[hole] = Self.empty
        count -= 1
        // Shift back each following entry whose probe sequence passes the hole.
        var position = (hole + 1) & mask
        while buckets[position].slot >= 0 {
            let home = Int(truncatingIfNeeded: buckets[position].hash) & mask
            if (position - home) & mask >= (position - hole) & mask {
                buckets[hole] = buckets[position]
                buckets[position] = Self.empty
                hole = position
            }
            position = (position + 1) & mask
        }
    }

    /// Removes every key, keeping the table's size.
    mutating func removeAll() {
        for position in buckets.indices { buckets[position] = Self.empty }
        count = 0
    }

    private mutating func place(_ bucket: Bucket) {
        var position = Int(truncatingIfNeeded: bucket.hash) & mask
        while buckets[position].slot >= 0 { position = (position + 1) & mask }
        buckets[position] = bucket
    }

    private mutating func grow() {
        let old = buckets
        buckets = Array(repeating: Self.empty, count: old.count * 2)
        mask = buckets.count - 1
        for bucket in old where bucket.slot >= 0 { place(bucket) }
    }
}
