extension ProcessGroupMachine {
    /// ``Event/spawned(_:pid:)``: the pid is known. An instance already condemned gets its stop or kill now.
    mutating func spawned(_ id: InstanceID, pid: Int32, now: Duration, into actions: inout [Action]) {
        guard let place = place(of: id) else { return }
        if case .retiring(let index) = place {
            guard retiring[index].pid == nil else { return }
            retiring[index].pid = pid
            if retiring[index].killed {
                actions.append(.kill(id, pid: pid))
            } else {
                actions.append(.stop(id, pid: pid, drainFor: settings.stopTimeout))
                retiring[index].stopSentAt = now
            }
            return
        }
        update(place) { record in
            guard record.pid == nil else { return }
            record.pid = pid
            if record.phase == .starting { record.phase = .running }
        }
    }

    /// ``Event/becameReady(_:)``: the instance joins the pool; a replacement takes its slot over and the
    /// instance it replaces leaves the pool and is stopped.
    mutating func becameReady(_ id: InstanceID, now: Duration, into actions: inout [Action]) {
        switch place(of: id) {
        case .primary(let slot):
            guard let record = slots[slot].primary, record.isAwaitingReadiness else { return }
            slots[slot].primary = enterPool(record, now: now, into: &actions)
            slots[slot].consecutiveFailures = 0
        case .replacement(let slot):
            guard let record = slots[slot].replacement?.instance, record.isAwaitingReadiness,
                  let old = slots[slot].primary else { return }
            slots[slot].replacement = nil
            slots[slot].primary = enterPool(record, now: now, into: &actions)
            slots[slot].consecutiveFailures = 0
            retire(old, now: now, into: &actions)
        case .retiring, nil:
            return
        }
    }

    private func enterPool(_ instance: InstanceRecord, now: Duration, into actions: inout [Action]) -> InstanceRecord {
        var record = instance
        record.phase = .ready
        record.readyAt = now
        actions.append(.addTarget(port: record.port))
        actions.append(.report(.serving(record.id, port: record.port)))
        return record
    }
}
