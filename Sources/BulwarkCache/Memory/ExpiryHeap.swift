/// The entries that expire, ordered by expiry time: a binary min-heap of slot numbers that also knows each
/// slot's position in it, so that an entry can be removed or rescheduled in O(log n).
///
/// Lets the cache drop the entries whose time has passed, earliest first, without scanning the others.
struct ExpiryHeap: Sendable {
    private var nodes: [(deadline: Duration, slot: Int32)] = []
    /// `positions[slot]` is the slot's index in `nodes`, or -1 when it is not in the heap.
    private var positions: [Int32] = []

    /// The number of scheduled entries.
    var count: Int { nodes.count }

    /// The entry that expires first, if any.
    var earliest: (deadline: Duration, slot: Int32)? { nodes.first }

    /// Schedules `slot` to expire at `deadline`, replacing any earlier schedule of the same slot.
    mutating func schedule(_ slot: Int32, at deadline: Duration) {
        remove(slot)
        let slotIndex = Int(slot)
        if slotIndex >= positions.count {
            positions.append(contentsOf: repeatElement(-1, count: slotIndex + 1 - positions.count))
        }
        nodes.append((deadline, slot))
        positions[slotIndex] = Int32(nodes.count - 1)
        siftUp(nodes.count - 1)
    }

    /// Unschedules `slot`; nothing happens when it is not scheduled.
    mutating func remove(_ slot: Int32) {
        let slotIndex = Int(slot)
        guard slotIndex < positions.count, positions[slotIndex] >= 0 else { return }
        let position = Int(positions[slotIndex])
        positions[slotIndex] = -1
        let last = nodes.removeLast()
        guard position < nodes.count else { return }
        nodes[position] = last
        positions[Int(last.slot)] = Int32(position)
        siftDown(siftUp(position))
    }

    /// Unschedules everything.
    mutating func removeAll() {
        nodes.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
    }

    /// Moves the node at `position` up while it expires before its parent; returns where it ends.
    @discardableResult
    private mutating func siftUp(_ position: Int) -> Int {
        var child = position
        while child > 0 {
            let parent = (child - 1) / 2
            guard nodes[child].deadline < nodes[parent].deadline else { break }
            swapNodes(child, parent)
            child = parent
        }
        return child
    }

    /// Moves the node at `position` down while a child expires before it.
    private mutating func siftDown(_ position: Int) {
        var parent = position
        while true {
            let left = 2 * parent + 1
            guard left < nodes.count else { return }
            let right = left + 1
            let child = right < nodes.count && nodes[right].deadline < nodes[left].deadline ? right : left
            guard nodes[child].deadline < nodes[parent].deadline else { return }
            swapNodes(child, parent)
            parent = child
        }
    }

    private mutating func swapNodes(_ first: Int, _ second: Int) {
        nodes.swapAt(first, second)
        positions[Int(nodes[first].slot)] = Int32(first)
        positions[Int(nodes[second].slot)] = Int32(second)
    }
}
