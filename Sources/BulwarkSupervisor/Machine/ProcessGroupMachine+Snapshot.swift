extension ProcessGroupMachine {
    /// Every instance, by slot then serial: the live processes (replacements and stopping ones
    /// included) and the slots waiting to restart or given up.
    public var instances: [InstanceSnapshot] {
        var result: [InstanceSnapshot] = []
        for slot in slots {
            result += slot.activeInstances.map { snapshot(of: $0) }
            guard slot.primary == nil, lifecycle == .running else { continue }
            let state: InstanceSnapshot.State
            if slot.givenUp { state = .givenUp } else if slot.startAt != nil { state = .waitingToRestart } else { continue }
            result.append(InstanceSnapshot(
                id: slot.lastID ?? InstanceID(group: settings.name, slot: slot.index, serial: 0),
                port: slot.startPort,
                state: state,
                restarts: slot.restarts,
                lastExit: slot.lastExit,
                lastReason: slot.lastReason
            ))
        }
        result += retiring.map { snapshot(of: $0) }
        return result.sorted { $0.id < $1.id }
    }

    private func snapshot(of record: InstanceRecord) -> InstanceSnapshot {
        let slot = slots.indices.contains(record.id.slot) ? slots[record.id.slot] : nil
        let state: InstanceSnapshot.State = switch record.phase {
        case .starting: .starting
        case .running: .running
        case .ready: .ready
        case .stopping: .stopping
        }
        return InstanceSnapshot(
            id: record.id,
            port: record.port,
            pid: record.pid,
            state: state,
            startedAt: record.startedAt,
            readyAt: record.readyAt,
            restarts: slot?.restarts ?? 0,
            lastExit: slot?.lastExit,
            lastReason: slot?.lastReason
        )
    }
}

extension ProcessGroupMachine {
    /// The slots given up after a crash loop, including a slot whose old instance still serves because
    /// only its replacement (a rolling restart to a broken command) crash-looped. Nothing starts for
    /// them, nor is their serving instance replaced, until a restart request or a reload revives them.
    public var givenUpSlots: [Int] {
        slots.filter(\.givenUp).map(\.index)
    }
}
