extension SlotPolicy {
    /// The part of the cache an entry is in.
    enum Segment: UInt8, Sendable {
        case window, probation, protected, free
    }

    /// One entry's bookkeeping (its value is in ``WTinyLFU``'s array at the same number), stored in the slot array and linked to its neighbours in its segment by slot number.
    struct Slot: Sendable {
        var key: String
        var hash: UInt64
        var cost: Int
        var expiresAt: Duration?
        var previous: Int32
        var next: Int32
        var segment: Segment
    }

    /// A segment's doubly linked list of slots, least recently used first, with its totals.
    struct SegmentList: Sendable {
        var head: Int32 = -1
        var tail: Int32 = -1
        var count = 0
        var bytes = 0
    }
}
