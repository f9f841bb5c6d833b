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
        func fixed(_ value: Double, _ digits: Int) -> String {
            let scale = pow10(digits)
            let rounded = (value * scale).rounded() / scale
            var text = "\(rounded)"
            if let dot = text.firstIndex(of: ".") {
                let decimals = text.distance(from: dot, to: text.endIndex) - 1
                if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
            } else if digits > 0 {
                text += "." + String(repeating: "0", count: digits)
            }
            return text
        }
        return "\(fixed(elapsed, 1))s/\(fixed(elapsed + remaining, 1))s  \(Int(rate.rounded())) req/s  p99 \(fixed(recentP99Milliseconds, 2))ms  errors \(errors)  waiting \(waiting)"
    }

    private static func pow10(_ digits: Int) -> Double { (0..<digits).reduce(1.0) { value, _ in value * 10 } }
    private func pow10(_ digits: Int) -> Double { Self.pow10(digits) }
}
