/// A pass/fail goal for a `bulwark bench` run: `METRIC OP VALUE`, for the whole run or, prefixed
/// `stage NAME:`, for one stage.
///
/// ```
/// p99 < 50ms                        // latency: ms (the default), s, us or µs
/// error_rate < 0.1%                 // a percentage or a fraction (0.001)
/// rate >= 0.95 * target_rate        // requests per second, or a factor of the rate the schedule asked for
/// stage endurance: missed <= 0      // a count of sends that could not start on time
/// ```
///
/// Limits are held in the metric's base unit: milliseconds for latency, a fraction for `error_rate`,
/// requests per second for `rate`, a count for `missed`. A stage is named by its `name`, or by its
/// 1-based position (`stage 2:`) — the name an unnamed stage carries in reports is `stage 2`.
public struct BenchThreshold: Sendable, Hashable, CustomStringConvertible {
    /// What a threshold measures.
    public enum Metric: String, Sendable, Hashable, CaseIterable {
        /// Median latency, in milliseconds.
        case p50
        /// 90th percentile latency, in milliseconds.
        case p90
        /// 99th percentile latency, in milliseconds.
        case p99
        /// 99.9th percentile latency (written `p99.9`), in milliseconds.
        case p999 = "p99.9"
        /// Largest latency, in milliseconds.
        case max
        /// Mean latency, in milliseconds.
        case mean
        /// Failed requests over attempts (written `error_rate`), a fraction 0...1.
        case errorRate = "error_rate"
        /// Achieved requests per second.
        case rate
        /// Sends that could not start on time (open model), a count.
        case missed

        /// The metric as written in a threshold (`p99.9`, `error_rate`).
        public var spelling: String { rawValue }

        /// Whether the metric is a latency (milliseconds).
        public var isLatency: Bool { [.p50, .p90, .p99, .p999, .max, .mean].contains(self) }
    }

    /// How the observed value is compared with the limit.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        /// `<`
        case less = "<"
        /// `<=`
        case lessOrEqual = "<="
        /// `>`
        case greater = ">"
        /// `>=`
        case greaterOrEqual = ">="

        /// The operator as written (`<`, `<=`, `>`, `>=`).
        public var symbol: String { rawValue }

        /// Whether `observed OP limit` holds; false when either is NaN.
        public func holds(_ observed: Double, _ limit: Double) -> Bool {
            switch self {
            case .less: observed < limit
            case .lessOrEqual: observed <= limit
            case .greater: observed > limit
            case .greaterOrEqual: observed >= limit
            }
        }
    }

    /// The right-hand side of a threshold.
    public enum Limit: Sendable, Hashable {
        /// A value in the metric's base unit (milliseconds, fraction, requests per second, count).
        case value(Double)
        /// `FACTOR * target_rate` (`rate` only): a factor of the rate the schedule asked for.
        case targetRateFactor(Double)

        /// The limit in the metric's base unit, given the run's target rate; nil for a
        /// ``targetRateFactor(_:)`` when the run had no target rate (a closed-model run).
        public func resolved(targetRate: Double?) -> Double? {
            switch self {
            case .value(let value): value
            case .targetRateFactor(let factor): targetRate.map { factor * $0 }
            }
        }
    }

    /// The stage the threshold applies to (its name or 1-based position), or nil for the whole run.
    public var stage: String?
    /// What is measured.
    public var metric: Metric
    /// How the observed value is compared with ``limit``.
    public var comparison: Comparison
    /// The limit, in the metric's base unit.
    public var limit: Limit
    /// The threshold as written.
    public var expression: String

    /// Creates a threshold; `expression` defaults to the canonical spelling (``description``).
    public init(stage: String? = nil, metric: Metric, comparison: Comparison, limit: Limit, expression: String? = nil) {
        self.stage = stage
        self.metric = metric
        self.comparison = comparison
        self.limit = limit
        self.expression = ""
        self.expression = expression ?? description
    }

    /// The canonical spelling, which ``parse(_:)`` reads back to the same threshold:
    /// `stage endurance: p99 < 50.0ms`, `error_rate < 0.001`, `rate >= 0.95 * target_rate`.
    public var description: String {
        let prefix = stage.map { "stage \($0): " } ?? ""
        let value: String
        switch limit {
        case .targetRateFactor(let factor): value = "\(Self.number(factor)) * target_rate"
        case .value(let number) where metric.isLatency: value = "\(Self.number(number))ms"
        case .value(let number): value = Self.number(number)
        }
        return "\(prefix)\(metric.spelling) \(comparison.symbol) \(value)"
    }

    /// `number` as the threshold syntax reads it back: `50`, `0.001`, `1e-07`.
    static func number(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return "\(number)"
    }
}
