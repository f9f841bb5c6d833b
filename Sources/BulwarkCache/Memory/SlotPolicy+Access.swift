extension SlotPolicy {
    /// The slot of `key` if it is held and live at `now`, counting the request; an expired entry is
    /// removed (and listed in ``removedSlots``).
    @usableFromInline
    mutating func lookup(_ key: String, hash: UInt64, now: Duration) -> Int32? {
        sketch.increment(hash)
        guard let slot = slot(of: key, hash: hash) else {
            misses += 1
            lastMissHash = hash
            return nil
        }
        if let deadline = slots[Int(slot)].expiresAt, deadline <= now {
            removeSlot(slot)
            expirations += 1
            misses += 1
            return nil
        }
        hits += 1
        recordAccess(slot)
        return slot
    }

    /// Records a write of `key`: the slot to store its value in, or nil when it is not held afterwards, and
    /// what happened to other entries. The slot may be one that held another key until now.
    mutating func write(
        _ key: String, hash: UInt64, cost requestedCost: Int, expiresAt: Duration?, now: Duration
    ) -> (slot: Int32?, outcome: WTinyLFUSetOutcome) {
        let cost = max(0, requestedCost)
        let before = (evictions: evictions, rejections: rejections, expirations: expirations)
        let existing = slot(of: key, hash: hash)
        let tooLarge = cost > limits.maximumEntryBytes
        if tooLarge || expiresAt.map({ $0 <= now }) == true {
            if let existing { removeSlot(existing) }
            if tooLarge { rejections += 1 }
            return (nil, WTinyLFUSetOutcome(rejected: tooLarge ? 1 : 0))
        }
        if lastMissHash != hash { sketch.increment(hash) }
        lastMissHash = nil
        let slot: Int32
        if let existing {
            slot = existing
            replace(slot, cost: cost, expiresAt: expiresAt)
        } else {
            slot = insert(key, hash: hash, cost: cost, expiresAt: expiresAt)
        }
        if let expiresAt { expiries.schedule(slot, at: expiresAt) } else { expiries.remove(slot) }
        makeRoom(now: now)
        let stored = self.slot(of: key, hash: hash) != nil
        let outcome = WTinyLFUSetOutcome(
            stored: stored, evicted: evictions - before.evictions,
            rejected: rejections - before.rejections, expired: expirations - before.expirations
        )
        return (stored ? slot : nil, outcome)
    }

    /// Removes `key`; returns the slot it was in (listed in ``removedSlots`` too).
    mutating func remove(_ key: String, hash: UInt64) -> Int32? {
        guard let slot = slot(of: key, hash: hash) else { return nil }
        removeSlot(slot)
        return slot
    }

    /// Puts a new entry in a free slot, as the most recent entry of the window.
    private mutating func insert(_ key: String, hash: UInt64, cost: Int, expiresAt: Duration?) -> Int32 {
        let entry = Slot(key: key, hash: hash, cost: cost, expiresAt: expiresAt, previous: -1, next: -1, segment: .free)
        let slot: Int32
        if freeSlot >= 0 {
            slot = freeSlot
            freeSlot = slots[Int(slot)].next
            slots[Int(slot)] = entry
        } else {
            slot = Int32(slots.count)
            slots.append(entry)
        }
        index.insert(slot, hash: hash)
        totalBytes += cost
        append(slot, to: .window)
        return slot
    }

    /// Replaces the cost and expiry of a held entry, and counts the write as a request of it.
    private mutating func replace(_ slot: Int32, cost: Int, expiresAt: Duration?) {
        let position = Int(slot)
        unlink(slot)
        totalBytes += cost - slots[position].cost
        slots[position].cost = cost
        slots[position].expiresAt = expiresAt
        append(slot, to: slots[position].segment)
        recordAccess(slot)
    }

    /// Empties `slot`: unlinks and unschedules it, frees it, and lists it in ``removedSlots``.
    mutating func removeSlot(_ slot: Int32) {
        let position = Int(slot)
        unlink(slot)
        expiries.remove(slot)
        index.remove(slot, hash: slots[position].hash)
        totalBytes -= slots[position].cost
        slots[position] = Slot(key: "", hash: 0, cost: 0, expiresAt: nil, previous: -1, next: freeSlot, segment: .free)
        freeSlot = slot
        removedSlots.append(slot)
    }
}
