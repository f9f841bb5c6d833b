extension ProcessGroupMachine {
    /// ``Event/restartRequested(_:)``: slots with nothing running start afresh at once; the others are
    /// replaced one at a time. During a rolling restart the sequence starts over once the current slot is done.
    mutating func restartRequested(_ reason: RestartReason, now: Duration) {
        guard lifecycle == .running else { return }
        reviveSlots(now: now, startingWaiting: true)
        scheduleRollout(reason, slots: slots.indices.filter { slots[$0].primary != nil }, startOver: true)
    }

    /// Revives given-up slots; a slot with no primary (given up, or also waiting for its restart when
    /// `startingWaiting`) is due to start now.
    mutating func reviveSlots(now: Duration, startingWaiting: Bool) {
        for slot in slots.indices where slots[slot].givenUp || (startingWaiting && slots[slot].primary == nil) {
            slots[slot].revive()
            if slots[slot].primary == nil { slots[slot].startAt = now }
        }
    }

    /// Queues `slots` for replacement: instead of what is left of a rolling restart under way when
    /// `startOver`, else merged with it.
    mutating func scheduleRollout(_ reason: RestartReason, slots queued: [Int], startOver: Bool) {
        if var rollout {
            rollout.reason = reason
            rollout.queue = startOver ? queued : Array(Set(rollout.queue + queued)).sorted()
            self.rollout = rollout
        } else if !queued.isEmpty {
            rollout = Rollout(reason: reason, queue: queued, current: nil)
        }
    }

    /// Once the current slot's replacement is done (ready, or taken over after a crash) or stalled for
    /// want of a port, plans the next queued slot's: the first one in order that can start one now. A
    /// queued slot that has crashed or been given up meanwhile is dropped: its restart, if any, uses the
    /// current settings.
    mutating func advanceRollout(now: Duration) {
        guard var rollout else { return }
        defer { self.rollout = rollout.queue.isEmpty && rollout.current == nil ? nil : rollout }
        rollout.queue.removeAll { $0 >= slots.count }
        if let current = rollout.current {
            if slots.indices.contains(current), let plan = slots[current].replacement, plan.purpose == .rolling {
                // A replacement that is due but finds no free port (another slot's instance may hold it
                // until a later step of this rolling restart moves it) goes back to the queue.
                guard plan.instance == nil, now >= plan.notBefore, replacementPort(forSlot: current) == nil else { return }
                slots[current].replacement = nil
                if !rollout.queue.contains(current) { rollout.queue.insert(current, at: 0) }
            }
            rollout.current = nil
        }
        while let position = rollout.queue.firstIndex(where: { isOutOfRollout($0) || canReplace($0) }) {
            let slot = rollout.queue.remove(at: position)
            guard !isOutOfRollout(slot) else { continue }
            slots[slot].replacement = Replacement(purpose: .rolling, notBefore: now, instance: nil)
            rollout.current = slot
            return
        }
    }

    /// A slot with no primary or given up has nothing a rolling restart could replace.
    private func isOutOfRollout(_ slot: Int) -> Bool {
        slots[slot].primary == nil || slots[slot].givenUp
    }

    /// Whether a rolling restart can take `slot` now: no replacement under way, and a port for a new one.
    private func canReplace(_ slot: Int) -> Bool {
        slots[slot].replacement == nil && replacementPort(forSlot: slot) != nil
    }

    /// Spawns the replacements whose time has come, when the slot has a port free for them.
    mutating func startDueReplacements(now: Duration, into actions: inout [Action]) {
        for slot in slots.indices where !slots[slot].givenUp {
            guard var plan = slots[slot].replacement, plan.instance == nil, now >= plan.notBefore,
                  let port = replacementPort(forSlot: slot) else { continue }
            plan.instance = launch(slot: slot, port: port, now: now, into: &actions)
            slots[slot].replacement = plan
        }
    }
}
