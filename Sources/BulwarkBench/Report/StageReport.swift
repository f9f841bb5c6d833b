/// Figures for one stage of a plan.
public struct StageReport: Codable, Sendable, Equatable {
    /// The stage's `name`, or `stage N` (1-based) when it has none.
    public var name: String
    /// When the stage began, in seconds from the start of the run.
    public var startSeconds: Double
    /// How long the stage lasted, in seconds.
    public var durationSeconds: Double
    /// Open model: the rate at the start of the stage (requests per second).
    public var rateFrom: Double?
    /// Open model: the rate at the end of the stage (equal to ``rateFrom`` for a constant stage).
    public var rateTo: Double?
    /// The stage's figures.
    public var summary: RunSummary

    /// Creates a stage report.
    public init(name: String, startSeconds: Double, durationSeconds: Double, rateFrom: Double?, rateTo: Double?, summary: RunSummary) {
        self.name = name
        self.startSeconds = startSeconds
        self.durationSeconds = durationSeconds
        self.rateFrom = rateFrom
        self.rateTo = rateTo
        self.summary = summary
    }
}

/// One second of the run.
public struct TimelinePoint: Codable, Sendable, Equatable {
    /// The end of this second, in seconds from the start of the run (1, 2, …).
    public var second: Double
    /// Responses received in this second.
    public var requests: Int
    /// Errors in this second (as ``RunSummary/errors``).
    public var errors: Int
    /// Open model: sends scheduled in this second.
    public var targetRate: Double?
    /// Median latency of this second's responses, in milliseconds.
    public var p50Ms: Double
    /// 99th percentile latency of this second's responses, in milliseconds.
    public var p99Ms: Double
    /// Largest latency of this second's responses, in milliseconds.
    public var maxMs: Double

    /// Creates a point.
    public init(second: Double, requests: Int, errors: Int, targetRate: Double?, p50Ms: Double, p99Ms: Double, maxMs: Double) {
        self.second = second
        self.requests = requests
        self.errors = errors
        self.targetRate = targetRate
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.maxMs = maxMs
    }
}

/// One sample of a watched Bulwark (`watch:`), from its admin API.
public struct WatchSample: Codable, Sendable, Equatable {
    /// When it was taken, in seconds from the start of the run.
    public var second: Double
    /// The gateway's resident memory (`/api/system` `rss_bytes`); nil when the sample failed.
    public var rssBytes: Int?
    /// The gateway's CPU time so far (`/api/system` `cpu_seconds`).
    public var cpuSeconds: Double?
    /// Circuit breaker states by name (`/api/circuits`): `closed`, `open`, `half_open`.
    public var breakers: [String: String]

    /// Creates a sample.
    public init(second: Double, rssBytes: Int?, cpuSeconds: Double?, breakers: [String: String]) {
        self.second = second
        self.rssBytes = rssBytes
        self.cpuSeconds = cpuSeconds
        self.breakers = breakers
    }
}

/// Something the analysis of the run noticed.
public struct Finding: Codable, Sendable, Equatable {
    /// `rss_climb` or `latency_climb`.
    public var kind: String
    /// The stage it was seen in.
    public var stage: String
    /// What was seen, with figures.
    public var message: String

    /// Creates a finding.
    public init(kind: String, stage: String, message: String) {
        self.kind = kind
        self.stage = stage
        self.message = message
    }
}

/// A threshold and how the run fared against it.
public struct ThresholdOutcome: Codable, Sendable, Equatable {
    /// The threshold as written in the plan (`"p99 < 50ms"`, `"stage endurance: error_rate < 0.1%"`).
    public var expression: String
    /// The observed value, in the metric's base unit (milliseconds for latency, a fraction for
    /// `error_rate`, requests per second for `rate`, a count for `missed`).
    public var observed: Double
    /// The limit in the same unit.
    public var limit: Double
    /// Whether the observed value met the threshold.
    public var passed: Bool

    /// Creates an outcome.
    public init(expression: String, observed: Double, limit: Double, passed: Bool) {
        self.expression = expression
        self.observed = observed
        self.limit = limit
        self.passed = passed
    }
}
