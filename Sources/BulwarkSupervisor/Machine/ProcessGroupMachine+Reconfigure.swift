import BulwarkConfig

extension ProcessGroupMachine {
    /// ``Event/reconfigured(_:)``: later starts use `new`. Given-up slots are revived; new slots start
    /// at once and removed ones (the highest) leave the pool and stop. A new command, environment,
    /// working directory or `port_base` rolls every slot; otherwise the slots whose instances are on
    /// ports no longer theirs (the spare ports move with the instance count) are rolled onto their own.
    mutating func reconfigure(_ new: ProcessGroupSettings, now: Duration, into actions: inout [Action]) {
        let old = settings
        settings = new
        guard lifecycle == .running else { return }
        if new.instances < slots.count { removeSlots(from: new.instances, now: now, into: &actions) }
        let rollsAll = old.command != new.command || old.environment != new.environment
            || old.workingDirectory != new.workingDirectory || old.portBase != new.portBase
        reviveSlots(now: now, startingWaiting: rollsAll)
        for slot in slots.count..<max(new.instances, slots.count) {
            slots.append(Slot(index: slot, startAt: now, startPort: new.portBase + slot))
        }
        if rollsAll {
            scheduleRollout(.reconfigured, slots: slots.indices.filter { slots[$0].primary != nil }, startOver: true)
        } else {
            // Also resumes a move that a crash loop interrupted.
            let misplaced = slots.indices.filter { slot in
                slots[slot].activeInstances.contains { !ports(ofSlot: slot).contains($0.port) }
            }
            scheduleRollout(.reconfigured, slots: misplaced, startOver: false)
        }
    }

    /// Slots `first…` leave: their instances leave the pool and stop.
    private mutating func removeSlots(from first: Int, now: Duration, into actions: inout [Action]) {
        for slot in first..<slots.count {
            for record in slots[slot].activeInstances { retire(record, now: now, into: &actions) }
        }
        slots.removeSubrange(first...)
        if var rollout {
            rollout.queue.removeAll { $0 >= first }
            if let current = rollout.current, current >= first { rollout.current = nil }
            self.rollout = rollout
        }
    }
}
