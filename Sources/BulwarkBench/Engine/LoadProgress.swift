/// Live figures of a run in progress, for the terminal's progress line.
public struct LoadProgress: Sendable, Equatable {
    /// One event loop's share.
    struct LoopShare: Sendable {
        var responses: Int
        var errors: Int
        var recentP99Microseconds: UInt64
        var pending: Int
    }

    /// Seconds since the first send.
    public var elapsed: Double
    /// Seconds of load left.
    public var remaining: Double
    /// Responses so far.
    public var responses: Int
    /// Errors so far.
    public var errors: Int
    /// Responses per second over the last interval.
    public var rate: Double
    /// The largest per-loop p99 of the last complete second, in milliseconds.
    public var recentP99Milliseconds: Double
    /// Open model: sends waiting for a free connection.
    public var waiting: Int

    /// The progress line: `12.0s/30.0s  9981 req/s  p99 4.21ms  errors 0  waiting 0`.
    public var line: String {
        "\(ReportFormat.fixed(elapsed, digits: 1))s/\(ReportFormat.fixed(elapsed + remaining, digits: 1))s  \(Int(rate.rounded())) req/s  "
            + "p99 \(ReportFormat.fixed(recentP99Milliseconds, digits: 2))ms  errors \(errors)  waiting \(waiting)"
    }
}
