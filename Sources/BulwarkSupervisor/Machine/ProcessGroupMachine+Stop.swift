extension ProcessGroupMachine {
    /// ``Event/stopRequested``: every ready instance leaves the pool, then every process is stopped
    /// (one still starting as soon as its pid is known); pending restarts and replacements are dropped.
    mutating func stop(now: Duration, into actions: inout [Action]) {
        guard lifecycle != .stopping else { return }
        lifecycle = .stopping
        rollout = nil
        let live = slots.flatMap(\.activeInstances)
        for record in live where record.phase == .ready {
            actions.append(.removeTarget(port: record.port))
        }
        for var record in live {
            record.phase = .stopping   // out of the pool already
            retire(record, now: now, into: &actions)
        }
        for slot in slots.indices {
            slots[slot].primary = nil
            slots[slot].replacement = nil
            slots[slot].startAt = nil
        }
    }
}
