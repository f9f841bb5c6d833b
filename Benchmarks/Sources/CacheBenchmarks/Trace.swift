import Foundation

/// A request trace: key numbers, and the key strings they stand for (made once, so that the timed loops
/// do not format strings).
struct Trace {
    let name: String
    let requests: [Int32]
    let keys: [String]
    /// Distinct keys of the popular part of the trace (scans excluded), for sizing caches.
    let popularKeys: Int

    /// `count` requests over `keyCount` keys whose popularity follows Zipf with exponent `skew`: the key of
    /// rank r is requested in proportion to 1 / r^skew.
    static func zipf(skew: Double, keyCount: Int, count: Int, seed: UInt64) -> Trace {
        let sampler = ZipfSampler(skew: skew, keyCount: keyCount)
        var generator = SeededGenerator(seed: seed)
        let requests = (0..<count).map { _ in Int32(sampler.sample(using: &generator)) }
        return Trace(
            name: "Zipf(\(skew))", requests: requests, keys: (0..<keyCount).map { "key-\($0)" }, popularKeys: keyCount
        )
    }

    /// Zipf traffic interleaved with sequential scans of keys requested once each: blocks of `burst`
    /// Zipf requests, each followed by a scan of `scanLength` new keys, until `count` requests.
    static func scanPolluted(
        skew: Double, keyCount: Int, burst: Int, scanLength: Int, count: Int, seed: UInt64
    ) -> Trace {
        let sampler = ZipfSampler(skew: skew, keyCount: keyCount)
        var generator = SeededGenerator(seed: seed)
        var requests: [Int32] = []
        requests.reserveCapacity(count)
        var nextScanKey = keyCount
        while requests.count < count {
            for _ in 0..<burst where requests.count < count {
                requests.append(Int32(sampler.sample(using: &generator)))
            }
            for _ in 0..<scanLength where requests.count < count {
                requests.append(Int32(nextScanKey))
                nextScanKey += 1
            }
        }
        return Trace(
            name: "Zipf(\(skew)) + scans", requests: requests, keys: (0..<nextScanKey).map { "key-\($0)" },
            popularKeys: keyCount
        )
    }
}

/// Draws ranks 0..<keyCount with Zipf probabilities by binary search in the cumulative distribution.
struct ZipfSampler {
    private let cumulative: [Double]

    init(skew: Double, keyCount: Int) {
        var running = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(keyCount)
        for rank in 1...keyCount {
            running += 1 / pow(Double(rank), skew)
            cumulative.append(running)
        }
        self.cumulative = cumulative.map { $0 / running }
    }

    func sample(using generator: inout SeededGenerator) -> Int {
        let target = Double.random(in: 0..<1, using: &generator)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
