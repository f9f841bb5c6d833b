extension ProcessGroupMachine {
    /// ``Event/memorySampled(_:bytes:)``: a ready instance above `max_memory` in every sample for
    /// `memory_grace` is replaced like one slot of a rolling restart. A sample at or below the limit
    /// ends the run; a slot is never replaced twice at once.
    mutating func memorySampled(_ id: InstanceID, bytes: Int, now: Duration, into actions: inout [Action]) {
        guard let limit = settings.maxMemory, let place = place(of: id) else { return }
        switch place {
        case .retiring:
            return
        case .primary, .replacement:
            update(place) { $0.overMemorySince = bytes > limit ? $0.overMemorySince ?? now : nil }
        }
        guard case .primary(let slot) = place, lifecycle == .running, !slots[slot].givenUp,
              slots[slot].replacement == nil, let record = slots[slot].primary, record.phase == .ready,
              let since = record.overMemorySince, now - since >= settings.memoryGrace else { return }
        actions.append(.report(.memoryRestart(id, bytes: bytes)))
        slots[slot].replacement = Replacement(purpose: .memory, notBefore: now, instance: nil)
    }
}
