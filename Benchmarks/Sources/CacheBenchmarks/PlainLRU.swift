/// The baseline: a least-recently-used cache of a fixed number of keys, with O(1) operations on arrays
/// (a dictionary from key to slot, and slots linked by number).
struct PlainLRU {
    private let capacity: Int
    private var slots: [String: Int32] = [:]
    private var keys: [String] = []
    private var previous: [Int32] = []
    private var next: [Int32] = []
    private var head: Int32 = -1
    private var tail: Int32 = -1

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Requests `key`; true on a hit. A miss stores the key, evicting the least recent one when full.
    mutating func request(_ key: String) -> Bool {
        if let slot = slots[key] {
            unlink(slot)
            append(slot)
            return true
        }
        let slot: Int32
        if keys.count < capacity {
            slot = Int32(keys.count)
            keys.append(key)
            previous.append(-1)
            next.append(-1)
        } else {
            slot = head
            unlink(slot)
            slots[keys[Int(slot)]] = nil
            keys[Int(slot)] = key
        }
        slots[key] = slot
        append(slot)
        return false
    }

    private mutating func unlink(_ slot: Int32) {
        let before = previous[Int(slot)]
        let after = next[Int(slot)]
        if before >= 0 { next[Int(before)] = after } else { head = after }
        if after >= 0 { previous[Int(after)] = before } else { tail = before }
    }

    private mutating func append(_ slot: Int32) {
        previous[Int(slot)] = tail
        next[Int(slot)] = -1
        if tail >= 0 { next[Int(tail)] = slot } else { head = slot }
        tail = slot
    }
}
