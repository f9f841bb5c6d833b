extension ProcessGroupMachine {
    /// ``Event/start``: every slot is due to start now, on its own port.
    mutating func start(now: Duration) {
        guard lifecycle == .idle else { return }
        lifecycle = .running
        slots = (0..<settings.instances).map { Slot(index: $0, startAt: now, startPort: settings.portBase + $0) }
    }

    /// Spawns a new serial for `slot` on `port` and watches its readiness.
    mutating func launch(slot: Int, port: Int, now: Duration, into actions: inout [Action]) -> InstanceRecord {
        lastSerial += 1
        let id = InstanceID(group: settings.name, slot: slot, serial: lastSerial)
        actions.append(.spawn(id, port: port))
        actions.append(.watchReadiness(id, port: port))
        slots[slot].lastID = id
        return InstanceRecord(id: id, port: port, startedAt: now)
    }

    /// Starts the slots without a primary whose start time has come, when a port is free.
    mutating func startDueSlots(now: Duration, into actions: inout [Action]) {
        for index in slots.indices where slots[index].primary == nil && !slots[index].givenUp {
            guard let due = slots[index].startAt, now >= due,
                  let port = freePort(forSlot: index, preferring: slots[index].startPort) else { continue }
            slots[index].primary = launch(slot: index, port: port, now: now, into: &actions)
            slots[index].startAt = nil
        }
    }

    // MARK: Ports

    /// The slot's two ports under the current settings: its own and the spare.
    func ports(ofSlot slot: Int) -> [Int] {
        [settings.portBase + slot, settings.portBase + settings.instances + slot]
    }

    /// The ports of every live process (stopping ones included).
    var livePorts: Set<Int> {
        Set(slots.flatMap { $0.activeInstances.map(\.port) } + retiring.map(\.port))
    }

    /// How many live processes (stopping ones included) belong to `slot`.
    func liveCount(ofSlot slot: Int) -> Int {
        let active = slots.indices.contains(slot) ? slots[slot].activeInstances.count : 0
        return active + retiring.count(where: { $0.id.slot == slot })
    }

    /// A port of `slot` that no live process holds, `preferred` first when it is one of the slot's;
    /// nil when there is none, or the slot already has two live processes.
    func freePort(forSlot slot: Int, preferring preferred: Int? = nil, avoiding avoided: Int? = nil) -> Int? {
        guard liveCount(ofSlot: slot) < 2 else { return nil }
        let own = ports(ofSlot: slot)
        let candidates = preferred.map { own.contains($0) ? [$0] + own : own } ?? own
        let busy = livePorts
        return candidates.first { $0 != avoided && !busy.contains($0) }
    }

    /// Where a replacement for `slot` can start now: one of the slot's ports other than its primary's.
    func replacementPort(forSlot slot: Int) -> Int? {
        guard let primary = slots[slot].primary else { return nil }
        return freePort(forSlot: slot, avoiding: primary.port)
    }
}
