import Foundation

/// The last `capacity` samples of each named metric, for `GET /api/metrics/{name}?window=…`.
public struct MetricHistory: Sendable {
    /// One sample.
    public struct Sample: Sendable, Hashable, Codable {
        /// When it was taken.
        public var timestamp: Date
        /// Its value.
        public var value: Double
    }

    /// Samples kept per metric.
    public let capacity: Int
    private var rings: [String: Ring] = [:]

    private struct Ring: Sendable {
        var samples: [Sample] = []
        var next = 0

        mutating func append(_ sample: Sample, capacity: Int) {
            if samples.count < capacity {
                samples.append(sample)
            } else {
                samples[next] = sample
                next = (next + 1) % capacity
            }
        }

        var ordered: [Sample] { Array(samples[next...] + samples[..<next]) }
    }

    /// An empty history keeping `capacity` samples per metric.
    public init(capacity: Int = 1000) { self.capacity = max(1, capacity) }

    /// Records `value` for `name` at `timestamp`.
    public mutating func record(_ name: String, _ value: Double, at timestamp: Date) {
        rings[name, default: Ring()].append(Sample(timestamp: timestamp, value: value.isFinite ? value : 0), capacity: capacity)
    }

    /// The samples of `name` taken at or after `since`, oldest first; nil when the name is unknown.
    public func samples(_ name: String, since: Date) -> [Sample]? {
        guard let ring = rings[name] else { return nil }
        return ring.ordered.filter { $0.timestamp >= since }
    }

    /// The names with samples.
    public var names: [String] { rings.keys.sorted() }
}
