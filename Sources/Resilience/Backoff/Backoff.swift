/// How long to wait before retry number *n*: a base curve (constant, linear or exponential, capped)
/// and an optional ``Jitter`` that spreads clients apart.
///
/// Delays for `attempt` = 1, 2, 3, … (the wait after the first, second, third failure), without jitter:
///
/// | backoff | 1 | 2 | 3 | 4 | 5 |
/// | --- | --- | --- | --- | --- | --- |
/// | `.constant(.milliseconds(200))` | 200 ms | 200 ms | 200 ms | 200 ms | 200 ms |
/// | `.linear(initial: .milliseconds(100), increment: .milliseconds(100), maximum: .milliseconds(350))` | 100 ms | 200 ms | 300 ms | 350 ms | 350 ms |
/// | `.exponential(base: .milliseconds(100), multiplier: 2, maximum: .seconds(1))` | 100 ms | 200 ms | 400 ms | 800 ms | 1 s |
///
/// With jitter the delay `d` above becomes: `.full` → uniform in `0...d`; `.equal` → uniform in
/// `d/2...d`; `.decorrelated` → uniform in `base...min(maximum, 3 × previous delay)` (AWS's
/// "decorrelated jitter", which ignores the attempt number and grows from the previous delay).
///
/// The random source is a parameter, so tests pass a seeded generator and get the same delays each run.
public struct Backoff: Sendable, Hashable, CustomStringConvertible {
    /// The shape of the base curve.
    enum Curve: Sendable, Hashable {
        case constant(Duration)
        case linear(initial: Duration, increment: Duration, maximum: Duration)
        case exponential(base: Duration, multiplier: Double, maximum: Duration)
    }

    let curve: Curve
    /// The jitter applied on top of the base curve. Defaults to ``Jitter/none``.
    public private(set) var jitter: Jitter

    init(curve: Curve, jitter: Jitter = .none) {
        self.curve = curve
        self.jitter = jitter
    }

    /// The same delay before every retry.
    public static func constant(_ delay: Duration) -> Backoff {
        Backoff(curve: .constant(delay))
    }

    /// `initial`, then `initial + increment`, `initial + 2 × increment`, … never more than `maximum`.
    public static func linear(initial: Duration, increment: Duration, maximum: Duration = .seconds(30)) -> Backoff {
        Backoff(curve: .linear(initial: initial, increment: increment, maximum: maximum))
    }

    /// `base`, `base × multiplier`, `base × multiplier²`, … never more than `maximum`.
    public static func exponential(
        base: Duration = .milliseconds(100),
        multiplier: Double = 2,
        maximum: Duration = .seconds(30)
    ) -> Backoff {
        Backoff(curve: .exponential(base: base, multiplier: multiplier, maximum: maximum))
    }

    /// No delay at all.
    public static let none = Backoff.constant(.zero)

    /// This backoff with `jitter` applied.
    public func jittered(_ jitter: Jitter) -> Backoff {
        var copy = self
        copy.jitter = jitter
        return copy
    }

    /// The smallest delay the curve produces (the first one), used as the floor of decorrelated jitter.
    public var initialDelay: Duration {
        switch curve {
        case .constant(let delay): delay
        case .linear(let initial, _, let maximum): min(initial, maximum)
        case .exponential(let base, _, let maximum): min(base, maximum)
        }
    }

    /// The largest delay the curve produces.
    public var maximumDelay: Duration {
        switch curve {
        case .constant(let delay): delay
        case .linear(_, _, let maximum), .exponential(_, _, let maximum): maximum
        }
    }

    /// The un-jittered delay before retry number `attempt` (1-based; values below 1 count as 1).
    public func baseDelay(attempt: Int) -> Duration {
        let n = max(attempt, 1)
        switch curve {
        case .constant(let delay):
            return delay
        case .linear(let initial, let increment, let maximum):
            let seconds = initial.secondsDouble + increment.secondsDouble * Double(n - 1)
            return min(Duration.clampedSeconds(seconds), maximum)
        case .exponential(let base, let multiplier, let maximum):
            let exponent = Double(min(n - 1, 1_000))
            let seconds = base.secondsDouble * _pow(multiplier, exponent)
            return min(Duration.clampedSeconds(seconds), maximum)
        }
    }

    /// The delay before retry number `attempt`, jitter included.
    ///
    /// - Parameters:
    ///   - attempt: 1 for the wait after the first failure, 2 after the second, …
    ///   - previous: the delay used before the previous retry, if any (decorrelated jitter grows from it).
    ///   - generator: the random source for jitter.
    public func delay(
        attempt: Int,
        previous: Duration? = nil,
        using generator: inout some RandomNumberGenerator
    ) -> Duration {
        let base = baseDelay(attempt: attempt)
        switch jitter.kind {
        case .none:
            return base
        case .full:
            return Self.uniform(.zero, base, using: &generator)
        case .equal:
            return Self.uniform(base / 2, base, using: &generator)
        case .decorrelated:
            let floor = initialDelay
            let ceiling = min(maximumDelay, max(floor, (previous ?? floor) * 3))
            return Self.uniform(floor, ceiling, using: &generator)
        }
    }

    /// The inclusive range that ``delay(attempt:previous:using:)`` draws from.
    public func delayBounds(attempt: Int, previous: Duration? = nil) -> ClosedRange<Duration> {
        let base = baseDelay(attempt: attempt)
        switch jitter.kind {
        case .none: return base...base
        case .full: return .zero...base
        case .equal: return (base / 2)...base
        case .decorrelated:
            let floor = initialDelay
            return floor...min(maximumDelay, max(floor, (previous ?? floor) * 3))
        }
    }

    private static func uniform(
        _ low: Duration,
        _ high: Duration,
        using generator: inout some RandomNumberGenerator
    ) -> Duration {
        let lowNanos = low.nanoseconds
        let highNanos = high.nanoseconds
        guard highNanos > lowNanos else { return low }
        return .nanoseconds(Int64.random(in: lowNanos...highNanos, using: &generator))
    }

    public var description: String {
        let shape: String
        switch curve {
        case .constant(let delay): shape = "constant(\(delay.humanReadable))"
        case .linear(let initial, let increment, let maximum):
            shape = "linear(\(initial.humanReadable) + \(increment.humanReadable)/attempt, max \(maximum.humanReadable))"
        case .exponential(let base, let multiplier, let maximum):
            shape = "exponential(\(base.humanReadable) × \(multiplier)^n, max \(maximum.humanReadable))"
        }
        return jitter == .none ? shape : "\(shape) with \(jitter) jitter"
    }
}

/// `pow` without Foundation: repeated squaring on a whole exponent.
@usableFromInline
func _pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var factor = base
    var remaining = Int(exponent)
    while remaining > 0 {
        if remaining & 1 == 1 { result *= factor }
        factor *= factor
        remaining >>= 1
        if result.isInfinite { return .infinity }
    }
    return result
}
