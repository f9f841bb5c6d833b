import Resilience

/// Parses and prints the duration syntax used in configuration files: `500ms`, `5s`, `15m`, `1h`, `1d`,
/// and sums of them such as `1m30s`. A bare number is an error, so `timeout: 30` cannot silently mean
/// 30 ms or 30 minutes.
public enum DurationSyntax {
    /// Units, longest suffix first so `ms` wins over `m`.
    static let units: [(suffix: String, nanoseconds: Int64)] = [
        ("ms", 1_000_000), ("us", 1_000), ("µs", 1_000), ("ns", 1),
        ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000), ("d", 86_400_000_000_000),
    ]

    /// The duration `text` names, or a description of what is wrong with it.
    public static func parse(_ text: String) -> Result<Duration, SyntaxProblem> {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return .failure(SyntaxProblem("expected a duration such as 500ms, 5s, 15m or 1h, got an empty value")) }
        var rest = Substring(trimmed)
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard !digits.isEmpty, let number = Double(digits) else { return .failure(invalid(text)) }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.suffix) }) else {
                if rest.isEmpty { return .failure(SyntaxProblem("'\(text)' has no unit: write \(digits)ms, \(digits)s, \(digits)m or \(digits)h")) }
                return .failure(invalid(text))
            }
            rest = rest.dropFirst(unit.suffix.count)
            let nanos = number * Double(unit.nanoseconds)
            guard nanos.isFinite, nanos < 9.2e18 else { return .failure(SyntaxProblem("'\(text)' is too long")) }
            total += Int64(nanos)
        }
        return .success(.nanoseconds(total))
    }

    /// The shortest rendering of `duration` in this syntax (`1500ms`, `30s`, `15m`).
    public static func format(_ duration: Duration) -> String {
        let nanos = duration.nanoseconds
        if nanos == 0 { return "0s" }
        for (suffix, size) in [("d", Int64(86_400_000_000_000)), ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)]
        where nanos % size == 0 {
            return "\(nanos / size)\(suffix)"
        }
        return "\(nanos)ns"
    }

    private static func invalid(_ text: String) -> SyntaxProblem {
        SyntaxProblem("'\(text)' is not a duration: expected a number and a unit (ms, s, m, h, d), e.g. 500ms, 5s, 1m30s")
    }
}

/// What is wrong with a configuration value, in words for the person who wrote it.
public struct SyntaxProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The explanation.
    public var description: String
    /// Creates a problem with an explanation.
    public init(_ description: String) { self.description = description }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
