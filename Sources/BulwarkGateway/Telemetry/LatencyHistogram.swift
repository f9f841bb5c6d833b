/// A fixed log-scale latency histogram: 80 buckets growing by 25 % from 50 µs (the last one is open),
/// cheap to record into and to subtract, so quantiles can be read over any interval between two
/// snapshots. A quantile is interpolated inside its bucket, so it is within 25 % of the true value.
public struct LatencyHistogram: Sendable, Hashable {
    /// Upper bounds of the buckets, in nanoseconds.
    static let bounds: [Int64] = {
        var bounds: [Int64] = []
        var bound = 50_000.0
        for _ in 0..<79 {
            bounds.append(Int64(bound))
            bound *= 1.25
        }
        bounds.append(.max)
        return bounds
    }()

    /// Observations per bucket.
    public private(set) var counts: [UInt64] = Array(repeating: 0, count: 80)
    /// Number of observations.
    public private(set) var count: UInt64 = 0
    /// Sum of the observations, in nanoseconds.
    public private(set) var sumNanoseconds: Int64 = 0

    /// An empty histogram.
    public init() {}

    /// Records one observation.
    public mutating func record(nanoseconds: Int64) {
        let value = max(0, nanoseconds)
        var low = 0
        var high = Self.bounds.count - 1
        while low < high {
            let middle = (low + high) / 2
            if Self.bounds[middle] >= value { high = middle } else { low = middle + 1 }
        }
        counts[low] += 1
        count += 1
        sumNanoseconds &+= value
    }

    /// Adds another histogram's observations.
    public mutating func add(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] += other.counts[index] }
        count += other.count
        sumNanoseconds &+= other.sumNanoseconds
    }

    /// The observations made since `earlier` (a previous snapshot of the same histogram).
    public func subtracting(_ earlier: LatencyHistogram) -> LatencyHistogram {
        var result = LatencyHistogram()
        for index in counts.indices { result.counts[index] = counts[index] &- min(earlier.counts[index], counts[index]) }
        result.count = count &- min(earlier.count, count)
        result.sumNanoseconds = sumNanoseconds &- earlier.sumNanoseconds
        return result
    }

    /// The `q` quantile (0…1) in seconds, or nil without observations.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = max(1, (q * Double(count)).rounded(.up))
        var seen = 0.0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            let before = seen
            seen += Double(bucketCount)
            guard seen >= rank else { continue }
            let lower = index == 0 ? 0 : Double(Self.bounds[index - 1])
            let upper = index == Self.bounds.count - 1 ? lower * 1.25 : Double(Self.bounds[index])
            let fraction = (rank - before) / Double(bucketCount)
            return (lower + (upper - lower) * fraction) / 1e9
        }
        return nil
    }
}
