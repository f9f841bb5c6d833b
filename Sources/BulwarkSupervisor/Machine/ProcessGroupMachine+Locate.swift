extension ProcessGroupMachine {
    /// Where the machine keeps an instance.
    enum Place: Sendable, Hashable {
        case primary(slot: Int)
        case replacement(slot: Int)
        case retiring(index: Int)
    }

    /// Where `id` is, or nil for an instance the machine no longer knows (gone, or never its own).
    func place(of id: InstanceID) -> Place? {
        if let index = retiring.firstIndex(where: { $0.id == id }) { return .retiring(index: index) }
        guard slots.indices.contains(id.slot) else { return nil }
        if slots[id.slot].primary?.id == id { return .primary(slot: id.slot) }
        if slots[id.slot].replacement?.instance?.id == id { return .replacement(slot: id.slot) }
        return nil
    }

    /// Changes the record of the instance at `place`.
    mutating func update(_ place: Place, _ change: (inout InstanceRecord) -> Void) {
        switch place {
        case .primary(let slot): if var record = slots[slot].primary { change(&record); slots[slot].primary = record }
        case .replacement(let slot): if var record = slots[slot].replacement?.instance { change(&record); slots[slot].replacement?.instance = record }
        case .retiring(let index): change(&retiring[index])
        }
    }

    /// Takes `instance` out of the pool if it is in it, and stops it gracefully (at once when its pid is
    /// known, else as soon as it is).
    mutating func retire(_ instance: InstanceRecord, now: Duration, into actions: inout [Action]) {
        var record = instance
        if record.phase == .ready { actions.append(.removeTarget(port: record.port)) }
        record.phase = .stopping
        if let pid = record.pid {
            actions.append(.stop(record.id, pid: pid, drainFor: settings.stopTimeout))
            record.stopSentAt = now
        }
        retiring.append(record)
    }

    /// Kills `instance`, which is not in the pool (it never became ready), at once or as soon as its pid is known.
    mutating func condemn(_ instance: InstanceRecord, into actions: inout [Action]) {
        var record = instance
        record.phase = .stopping
        record.killed = true
        if let pid = record.pid { actions.append(.kill(record.id, pid: pid)) }
        retiring.append(record)
    }
}
