extension SlotPolicy {
    /// The list of `segment`.
    subscript(list segment: Segment) -> SegmentList {
        get {
            switch segment {
            case .window: window
            case .probation: probation
            case .protected: protected
            case .free: SegmentList()
            }
        }
        set {
            switch segment {
            case .window: window = newValue
            case .probation: probation = newValue
            case .protected: protected = newValue
            case .free: break
            }
        }
    }

    /// Links `slot` as the most recently used entry of `segment`.
    mutating func append(_ slot: Int32, to segment: Segment) {
        let position = Int(slot)
        var list = self[list: segment]
        slots[position].segment = segment
        slots[position].previous = list.tail
        slots[position].next = -1
        if list.tail >= 0 { slots[Int(list.tail)].next = slot } else { list.head = slot }
        list.tail = slot
        list.count += 1
        list.bytes += slots[position].cost
        self[list: segment] = list
    }

    /// Unlinks `slot` from its segment (its `segment` field is left as it was).
    mutating func unlink(_ slot: Int32) {
        let position = Int(slot)
        let segment = slots[position].segment
        var list = self[list: segment]
        let previous = slots[position].previous
        let next = slots[position].next
        if previous >= 0 { slots[Int(previous)].next = next } else { list.head = next }
        if next >= 0 { slots[Int(next)].previous = previous } else { list.tail = previous }
        list.count -= 1
        list.bytes -= slots[position].cost
        self[list: segment] = list
    }

    /// Makes `slot` the most recently used entry of `segment`.
    mutating func move(_ slot: Int32, to segment: Segment) {
        if slots[Int(slot)].segment == segment, self[list: segment].tail == slot { return }
        unlink(slot)
        append(slot, to: segment)
    }

    /// Records a request of `slot`: most recent in the window or in protected; promoted from probation to
    /// protected, which then hands its least recent entries back to probation if it is over budget.
    mutating func recordAccess(_ slot: Int32) {
        switch slots[Int(slot)].segment {
        case .window: move(slot, to: .window)
        case .protected: move(slot, to: .protected)
        case .probation:
            move(slot, to: .protected)
            demoteProtectedOverflow(keeping: slot)
        case .free: break
        }
    }

    /// Moves protected's least recent entries to probation while protected is over budget, never `kept`.
    mutating func demoteProtectedOverflow(keeping kept: Int32) {
        while protected.count > limits.protectedEntries || protected.bytes > limits.protectedBytes {
            let oldest = protected.head
            guard oldest >= 0, oldest != kept else { return }
            move(oldest, to: .probation)
        }
    }
}
