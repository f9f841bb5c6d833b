import Resilience

extension SlotPolicy {
    /// Entries to check for expiry on every write even when there is room, so that dead entries do not
    /// linger until the cache fills.
    static var expirySweepPerWrite: Int { 4 }

    /// The lowest candidate frequency for which a random admission may overrule a lost comparison.
    static var randomAdmissionFrequency: Int { 6 }

    /// Whether the entries or their bytes exceed a budget.
    var isOverBudget: Bool { index.count > limits.maximumEntries || totalBytes > limits.maximumBytes }

    /// Brings the policy within its budgets after a write: drops expired entries (a few always, all that
    /// are needed when over budget), moves the window's overflow to probation as candidates, then lets
    /// each candidate compete with probation's least recent entry.
    mutating func makeRoom(now: Duration) {
        dropExpired(now: now)
        let candidates = evictFromWindow()
        evictFromMain(firstCandidate: candidates.first, candidates: candidates.count)
    }

    /// Removes expired entries, earliest first: up to ``expirySweepPerWrite``, and more while over budget.
    private mutating func dropExpired(now: Duration) {
        var dropped = 0
        while let earliest = expiries.earliest, earliest.deadline <= now,
            dropped < Self.expirySweepPerWrite || isOverBudget
        {
            removeSlot(earliest.slot)
            expirations += 1
            dropped += 1
        }
    }

    /// Moves the window's least recent entries to the end of probation while the window is over budget;
    /// returns the first one moved and how many.
    private mutating func evictFromWindow() -> (first: Int32, count: Int) {
        var first: Int32 = -1
        var moved = 0
        while window.count > 0, window.count > limits.windowEntries || window.bytes > limits.windowBytes {
            let oldest = window.head
            if first < 0 { first = oldest }
            move(oldest, to: .probation)
            moved += 1
        }
        return (first, moved)
    }

    /// While over budget, compares each candidate (the entries just moved from the window, at the end of
    /// probation) with the victim (probation's least recent entry) and removes the less frequent one; a tie
    /// removes the candidate. With no candidates left, removes victims; with probation empty, protected's
    /// least recent entry, then the window's.
    private mutating func evictFromMain(firstCandidate: Int32, candidates: Int) {
        var candidate = firstCandidate
        var remaining = candidates
        while isOverBudget {
            let victim = probation.head
            guard victim >= 0 else {
                let fallback = protected.head >= 0 ? protected.head : window.head
                guard fallback >= 0 else { return }
                removeSlot(fallback)
                evictions += 1
                continue
            }
            guard remaining > 0 else {
                removeSlot(victim)
                evictions += 1
                continue
            }
            remaining -= 1
            let next = slots[Int(candidate)].next
            if victim == candidate {
                removeSlot(victim)
                evictions += 1
            } else if admits(candidate: candidate, over: victim) {
                removeSlot(victim)
                evictions += 1
            } else {
                removeSlot(candidate)
                rejections += 1
            }
            candidate = next
        }
    }

    /// Whether `candidate` should replace `victim`: when it is more frequent, or, one time in 128, when it is
    /// frequent enough that losing may be an attack on the sketch.
    private mutating func admits(candidate: Int32, over victim: Int32) -> Bool {
        let candidateFrequency = sketch.frequency(slots[Int(candidate)].hash)
        let victimFrequency = sketch.frequency(slots[Int(victim)].hash)
        if candidateFrequency > victimFrequency { return true }
        guard candidateFrequency >= Self.randomAdmissionFrequency else { return false }
        randomState &+= 0x9E37_79B9_7F4A_7C15
        return RandomSource.splitMix64(randomState) & 127 == 0
    }
}
