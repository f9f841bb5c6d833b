extension WTinyLFU {
    /// ``get(_:now:)`` with the key's hash already computed.
    mutating func get(_ key: String, hash: UInt64, now: Duration) -> Value? {
        sketch.increment(hash)
        guard let slot = index[key] else {
            misses += 1
            return nil
        }
        if let deadline = slots[Int(slot)].expiresAt, deadline <= now {
            _ = removeSlot(slot)
            expirations += 1
            misses += 1
            return nil
        }
        hits += 1
        recordAccess(slot)
        return slots[Int(slot)].value
    }

    /// ``set(_:_:cost:expiresAt:now:)`` with the key's hash already computed.
    mutating func set(
        _ key: String, hash: UInt64, _ value: Value, cost requestedCost: Int, expiresAt: Duration?, now: Duration
    ) -> SetOutcome {
        let cost = max(0, requestedCost)
        let before = (evictions: evictions, rejections: rejections, expirations: expirations)
        let existing = index[key]
        let tooLarge = cost > limits.maximumEntryBytes
        if tooLarge || expiresAt.map({ $0 <= now }) == true {
            if let existing { _ = removeSlot(existing) }
            if tooLarge { rejections += 1 }
            return SetOutcome(rejected: tooLarge ? 1 : 0)
        }
        sketch.increment(hash)
        let slot: Int32
        if let existing {
            slot = existing
            replace(slot, value: value, cost: cost, expiresAt: expiresAt)
        } else {
            slot = insert(key, hash: hash, value: value, cost: cost, expiresAt: expiresAt)
        }
        if let expiresAt { expiries.schedule(slot, at: expiresAt) } else { expiries.remove(slot) }
        makeRoom(now: now)
        return SetOutcome(
            stored: index[key] != nil, evicted: evictions - before.evictions,
            rejected: rejections - before.rejections, expired: expirations - before.expirations
        )
    }

    /// Puts a new entry in a free slot, as the most recent entry of the window.
    private mutating func insert(_ key: String, hash: UInt64, value: Value, cost: Int, expiresAt: Duration?) -> Int32 {
        let entry = Slot(
            key: key, hash: hash, value: value, cost: cost, expiresAt: expiresAt, previous: -1, next: -1, segment: .free
        )
        let slot: Int32
        if freeSlot >= 0 {
            slot = freeSlot
            freeSlot = slots[Int(slot)].next
            slots[Int(slot)] = entry
        } else {
            slot = Int32(slots.count)
            slots.append(entry)
        }
        index[key] = slot
        totalBytes += cost
        append(slot, to: .window)
        return slot
    }

    /// Replaces the value, cost and expiry of a held entry, and counts the write as a request of it.
    private mutating func replace(_ slot: Int32, value: Value, cost: Int, expiresAt: Duration?) {
        let position = Int(slot)
        unlink(slot)
        totalBytes += cost - slots[position].cost
        slots[position].value = value
        slots[position].cost = cost
        slots[position].expiresAt = expiresAt
        let segment = slots[position].segment
        append(slot, to: segment)
        recordAccess(slot)
    }

    /// Empties `slot`, unlinks and unschedules it, and returns its value.
    mutating func removeSlot(_ slot: Int32) -> Value? {
        let position = Int(slot)
        unlink(slot)
        expiries.remove(slot)
        index.removeValue(forKey: slots[position].key)
        totalBytes -= slots[position].cost
        let value = slots[position].value
        slots[position] = Slot(
            key: "", hash: 0, value: nil, cost: 0, expiresAt: nil, previous: -1, next: freeSlot, segment: .free
        )
        freeSlot = slot
        return value
    }
}
