/// A plain LRU of a fixed number of entries, the baseline W-TinyLFU is compared with in the tests.
struct LeastRecentlyUsedModel {
    let capacity: Int
    private var lastUse: [String: Int] = [:]
    private var clock = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Requests `key`: true on a hit; on a miss the key is stored, evicting the least recent one if full.
    mutating func request(_ key: String) -> Bool {
        clock += 1
        if lastUse[key] != nil {
            lastUse[key] = clock
            return true
        }
        if lastUse.count >= capacity, let oldest = lastUse.min(by: { $0.value < $1.value })?.key {
            lastUse[oldest] = nil
        }
        lastUse[key] = clock
        return false
    }
}
