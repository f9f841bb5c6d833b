extension Duration {
    /// The duration as a floating-point number of seconds (attosecond precision is not needed here).
    @inlinable
    public var secondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// The duration in whole nanoseconds, saturating at `Int64` bounds.
    @inlinable
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let saturated: Int64 = seconds < 0 ? .min : .max
        let (wholeNanos, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return saturated }
        let (sum, carry) = wholeNanos.addingReportingOverflow(attoseconds / 1_000_000_000)
        return carry ? saturated : sum
    }

    /// A duration from a floating-point number of seconds, clamped to be non-negative and finite.
    @inlinable
    static func clampedSeconds(_ seconds: Double) -> Duration {
        guard seconds > 0 else { return .zero }   // also NaN
        return .nanoseconds(Int64(min(seconds, 9.2e9) * 1e9))   // +infinity saturates too
    }

    /// A compact human rendering for logs and error messages: `400 ms`, `1.5 s`, `2 min 5 s`.
    public var humanReadable: String {
        let nanos = nanoseconds
        if nanos == 0 { return "0 ms" }
        if nanos < 1_000 { return "\(nanos) ns" }
        if nanos < 1_000_000 { return "\(nanos / 1_000) µs" }
        if nanos < 1_000_000_000 { return "\(nanos / 1_000_000) ms" }
        let seconds = secondsDouble
        if seconds < 60 {
            let tenths = (seconds * 10).rounded() / 10
            return tenths == tenths.rounded() ? "\(Int(tenths)) s" : "\(tenths) s"
        }
        let whole = Int(seconds.rounded())
        return whole % 60 == 0 ? "\(whole / 60) min" : "\(whole / 60) min \(whole % 60) s"
    }
}
