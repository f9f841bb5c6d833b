/// Figures for a whole run or one stage.
public struct RunSummary: Codable, Sendable, Equatable {
    /// Responses received, whatever their status.
    public var requests: Int
    /// Failed requests: 4xx and 5xx answers, and requests that got no answer (connect, timeout, closed).
    public var errors: Int
    /// ``errors`` by kind: `connect`, `timeout`, `closed`, `malformed`, `unsent`, `status_4xx`, `status_5xx`.
    public var errorsByKind: [String: Int]
    /// Responses by status code (`"200"`, `"503"`, …).
    public var statusCodes: [String: Int]
    /// `errors / attempts`, where attempts are responses plus requests that got no answer (including
    /// unsent ones); 0 without any.
    public var errorRate: Double
    /// Achieved rate: responses per second.
    public var rate: Double
    /// The rate the schedule asked for on average (open model only).
    public var targetRate: Double?
    /// Open model: sends that started more than 1 ms after their intended time (no connection was free,
    /// or the generator fell behind; their latency counts from the intended time), and those that never
    /// started before the run ended.
    public var missed: Int
    /// Open model: scheduled sends that never started before the run ended (part of ``missed``).
    public var unsent: Int
    /// Latency of answered requests.
    public var latency: LatencySummary

    /// Creates a summary.
    public init(
        requests: Int, errors: Int, errorsByKind: [String: Int], statusCodes: [String: Int], errorRate: Double,
        rate: Double, targetRate: Double?, missed: Int, unsent: Int, latency: LatencySummary
    ) {
        self.requests = requests
        self.errors = errors
        self.errorsByKind = errorsByKind
        self.statusCodes = statusCodes
        self.errorRate = errorRate
        self.rate = rate
        self.targetRate = targetRate
        self.missed = missed
        self.unsent = unsent
        self.latency = latency
    }
}

/// Latency percentiles in milliseconds, read from an HDR histogram (3 significant digits).
public struct LatencySummary: Codable, Sendable, Equatable {
    /// Median.
    public var p50: Double
    /// 90th percentile.
    public var p90: Double
    /// 99th percentile.
    public var p99: Double
    /// 99.9th percentile.
    public var p999: Double
    /// Largest recorded.
    public var max: Double
    /// Arithmetic mean.
    public var mean: Double

    // Written as p50_ms … p99_9_ms by the report's key strategy (see `ReportKeys`).
    enum CodingKeys: String, CodingKey {
        case p50 = "p50Ms", p90 = "p90Ms", p99 = "p99Ms", p999 = "p999Ms", max = "maxMs", mean = "meanMs"
    }

    /// Creates a summary; all values in milliseconds.
    public init(p50: Double, p90: Double, p99: Double, p999: Double, max: Double, mean: Double) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
        self.mean = mean
    }

    /// All zero: nothing was answered.
    public static let empty = LatencySummary(p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0)
}
