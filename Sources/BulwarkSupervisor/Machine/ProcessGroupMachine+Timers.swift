extension ProcessGroupMachine {
    /// Everything due by `now`: ready timeouts, stop timeouts, the rolling restart's next step, restarts
    /// and replacements (when their port is free).
    mutating func doDueWork(now: Duration, into actions: inout [Action]) {
        guard lifecycle != .idle else { return }
        expireReadiness(now: now, into: &actions)
        killOverdueStops(now: now, into: &actions)
        guard lifecycle == .running else { return }
        advanceRollout(now: now)
        startDueSlots(now: now, into: &actions)
        startDueReplacements(now: now, into: &actions)
    }

    /// `kill`, once, for each instance still running `stop.timeout` after its stop was sent.
    private mutating func killOverdueStops(now: Duration, into actions: inout [Action]) {
        for index in retiring.indices where !retiring[index].killed {
            guard let sent = retiring[index].stopSentAt, let pid = retiring[index].pid,
                  now >= sent + settings.stopTimeout else { continue }
            retiring[index].killed = true
            actions.append(.kill(retiring[index].id, pid: pid))
            actions.append(.report(.killed(retiring[index].id)))
        }
    }

    /// The earliest deadline after `now`, if any. Starts and replacements that are due but wait for a
    /// port are not deadlines: the exit that frees the port brings them on.
    func nextDeadline(after now: Duration) -> Duration? {
        var deadlines: [Duration] = []
        for slot in slots {
            for record in slot.activeInstances where record.isAwaitingReadiness {
                deadlines.append(record.startedAt + settings.readyTimeout)
            }
            guard lifecycle == .running else { continue }
            if slot.primary == nil, !slot.givenUp, let due = slot.startAt { deadlines.append(due) }
            if let plan = slot.replacement, plan.instance == nil, !slot.givenUp { deadlines.append(plan.notBefore) }
        }
        for record in retiring where !record.killed && record.pid != nil {
            if let sent = record.stopSentAt { deadlines.append(sent + settings.stopTimeout) }
        }
        return deadlines.filter { $0 > now }.min()
    }

    /// Appends a wake-up for the earliest deadline when it differs from the last one asked for.
    mutating func requestWake(now: Duration, into actions: inout [Action]) {
        let deadline = nextDeadline(after: now)
        if let deadline, deadline != requestedWake { actions.append(.wake(at: deadline)) }
        requestedWake = deadline
    }
}
