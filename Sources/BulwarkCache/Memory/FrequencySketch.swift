/// A count-min sketch of 4-bit counters that estimates how often each key was requested recently, as in
/// Caffeine's `FrequencySketch`.
///
/// The table holds sixteen counters per `UInt64`, one word per expected entry (rounded up to a power of
/// two). A key maps to four counters, one in each of four words chosen by differently seeded hashes; its
/// estimate is the smallest of the four, so collisions can only overestimate. Counters saturate at 15.
/// After ten increments per expected entry every counter is halved (aging), so that the sketch follows
/// changes in popularity. Fixed size: no allocation after initialisation.
struct FrequencySketch: Sendable {
    private var table: [UInt64]
    private let mask: Int
    private let sampleSize: Int
    private var additions = 0

    /// The highest count a counter holds.
    static let maximumCount = 15

    /// A sketch sized for about `expectedEntries` distinct keys.
    init(expectedEntries: Int) {
        var width = 16
        while width < expectedEntries { width <<= 1 }
        table = Array(repeating: 0, count: width)
        mask = width - 1
        sampleSize = 10 * max(expectedEntries, 1)
    }

    /// The estimated number of recent requests of the key with hash `hash`, 0...15.
    func frequency(_ hash: UInt64) -> Int {
        let start = Int(truncatingIfNeeded: hash & 3) << 2
        var result = Self.maximumCount
        for depth in 0..<4 {
            let word = table[index(hash, depth: depth)]
            let count = Int(truncatingIfNeeded: (word >> UInt64((start + depth) << 2)) & 0xF)
            result = min(result, count)
        }
        return result
    }

    /// Records one request of the key with hash `hash`; halves all counters every `sampleSize` additions.
    mutating func increment(_ hash: UInt64) {
        let start = Int(truncatingIfNeeded: hash & 3) << 2
        var added = false
        for depth in 0..<4 {
            let position = index(hash, depth: depth)
            let shift = UInt64((start + depth) << 2)
            if (table[position] >> shift) & 0xF < UInt64(Self.maximumCount) {
                table[position] &+= 1 << shift
                added = true
            }
        }
        if added {
            additions += 1
            if additions >= sampleSize { halve() }
        }
    }

    /// Halves every counter, and the addition count with it (less the remainders lost by odd counters).
    private mutating func halve() {
        var oddCounters = 0
        for position in table.indices {
            oddCounters += (table[position] & 0x1111_1111_1111_1111).nonzeroBitCount
            table[position] = (table[position] >> 1) & 0x7777_7777_7777_7777
        }
        additions = max(0, (additions - oddCounters / 4) / 2)
    }

    /// The word of `hash` at `depth` (0...3), from a multiply-shift hash with a per-depth seed.
    private func index(_ hash: UInt64, depth: Int) -> Int {
        let seed: UInt64
        switch depth {
        case 0: seed = 0xC3A5_C85C_97CB_3127
        case 1: seed = 0xB492_B66F_BE98_F273
        case 2: seed = 0x9AE1_6A3B_2F90_404F
        default: seed = 0xCBF2_9CE4_8422_2325
        }
        var mixed = (hash &+ seed) &* seed
        mixed &+= mixed >> 32
        return Int(truncatingIfNeeded: mixed) & mask
    }
}
