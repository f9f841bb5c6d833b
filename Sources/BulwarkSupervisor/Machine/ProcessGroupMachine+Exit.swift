import Resilience

extension ProcessGroupMachine {
    /// ``Event/exited(_:_:)``: a stopping instance is gone; any other one crashed.
    mutating func exited(_ id: InstanceID, status: ExitStatus, now: Duration, into actions: inout [Action]) {
        switch place(of: id) {
        case .retiring(let index):
            retiring.remove(at: index)
            if slots.indices.contains(id.slot) { slots[id.slot].lastExit = status }
        case .primary(let slot):
            primaryFailed(slot: slot, reason: status.description, exit: status, timedOut: false, now: now, into: &actions)
        case .replacement(let slot):
            replacementFailed(slot: slot, reason: status.description, exit: status, timedOut: false, now: now, into: &actions)
        case nil:
            return
        }
    }

    /// ``Event/spawnFailed(_:reason:)``: counts as a crash; a process that was being stopped anyway is gone.
    mutating func spawnFailed(_ id: InstanceID, reason: String, now: Duration, into actions: inout [Action]) {
        let reason = "could not start: \(reason)"
        switch place(of: id) {
        case .retiring(let index):
            retiring.remove(at: index)
        case .primary(let slot):
            primaryFailed(slot: slot, reason: reason, exit: nil, timedOut: false, now: now, into: &actions)
        case .replacement(let slot):
            replacementFailed(slot: slot, reason: reason, exit: nil, timedOut: false, now: now, into: &actions)
        case nil:
            return
        }
    }

    /// Kills the instances not ready within `ready.timeout`; each counts as a failed start.
    mutating func expireReadiness(now: Duration, into actions: inout [Action]) {
        let reason = "not ready within \(settings.readyTimeout.humanReadable)"
        for slot in slots.indices {
            if let record = slots[slot].replacement?.instance, record.isAwaitingReadiness,
               now >= record.startedAt + settings.readyTimeout {
                replacementFailed(slot: slot, reason: reason, exit: nil, timedOut: true, now: now, into: &actions)
            }
            if let record = slots[slot].primary, record.isAwaitingReadiness,
               now >= record.startedAt + settings.readyTimeout {
                primaryFailed(slot: slot, reason: reason, exit: nil, timedOut: true, now: now, into: &actions)
            }
        }
    }

    /// The slot's primary crashed (or failed to start, or timed out): out of the pool first, then a
    /// restart after the backoff, or the slot is given up. A replacement under way takes over the slot.
    mutating func primaryFailed(
        slot: Int, reason: String, exit: ExitStatus?, timedOut: Bool, now: Duration, into actions: inout [Action]
    ) {
        guard let record = slots[slot].primary else { return }
        slots[slot].primary = nil
        if record.phase == .ready { actions.append(.removeTarget(port: record.port)) }
        if timedOut { condemn(record, into: &actions) }
        slots[slot].startPort = record.port
        let delay = recordFailure(slot: slot, reason: reason, exit: exit, now: now)
        let successor = slots[slot].replacement?.instance
        slots[slot].replacement = nil
        switch (delay, successor) {
        case (nil, let successor?):
            retire(successor, now: now, into: &actions)
            giveUp(slot: slot, into: &actions)
        case (nil, nil):
            giveUp(slot: slot, into: &actions)
        case (_?, let successor?):
            slots[slot].primary = successor
            actions.append(.report(.restarting(record.id, reason: reason, delay: .zero)))
        case (let delay?, nil):
            slots[slot].startAt = now + delay
            actions.append(.report(.restarting(record.id, reason: reason, delay: delay)))
        }
    }

    /// The slot's replacement crashed (or failed to start, or timed out): the old instance keeps serving;
    /// the replacement is retried after the backoff, or the slot is given up (and a rolling restart on
    /// it ends).
    mutating func replacementFailed(
        slot: Int, reason: String, exit: ExitStatus?, timedOut: Bool, now: Duration, into actions: inout [Action]
    ) {
        guard var plan = slots[slot].replacement, let record = plan.instance else { return }
        if timedOut { condemn(record, into: &actions) }
        guard let delay = recordFailure(slot: slot, reason: reason, exit: exit, now: now) else {
            slots[slot].replacement = nil
            giveUp(slot: slot, into: &actions)
            if plan.purpose == .rolling, rollout?.current == slot { rollout = nil }
            return
        }
        plan.instance = nil
        plan.notBefore = now + delay
        slots[slot].replacement = plan
        actions.append(.report(.restarting(record.id, reason: reason, delay: delay)))
    }

    /// Counts a failure of `slot` at `now`. Returns the delay before the next attempt, or nil when the
    /// slot has failed more than `max_restarts` times within `restart.window` (or was given up already).
    mutating func recordFailure(slot: Int, reason: String, exit: ExitStatus?, now: Duration) -> Duration? {
        let window = settings.restartWindow
        slots[slot].lastReason = reason
        if let exit { slots[slot].lastExit = exit }
        slots[slot].restartTimes.removeAll { now - $0 >= window }
        slots[slot].restartTimes.append(now)
        slots[slot].consecutiveFailures += 1
        guard !slots[slot].givenUp, slots[slot].restartTimes.count <= settings.maxRestarts else { return nil }
        slots[slot].restarts += 1
        return restartDelay(afterFailures: slots[slot].consecutiveFailures)
    }

    /// `backoff_min`, doubling with each consecutive failure, at most `backoff_max`.
    func restartDelay(afterFailures failures: Int) -> Duration {
        Backoff.exponential(base: settings.backoffMinimum, multiplier: 2, maximum: settings.backoffMaximum)
            .baseDelay(attempt: failures)
    }

    /// No more starts for `slot` until it is revived.
    mutating func giveUp(slot: Int, into actions: inout [Action]) {
        slots[slot].givenUp = true
        slots[slot].startAt = nil
        let restarts = slots[slot].restartTimes.count
        actions.append(.report(.crashLoop(slot: slot, restarts: restarts, lastReason: slots[slot].lastReason ?? "")))
    }
}
