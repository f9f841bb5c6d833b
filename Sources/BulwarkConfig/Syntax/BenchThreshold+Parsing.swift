/// Reading `[stage NAME:] METRIC OP VALUE`.
extension BenchThreshold {
    /// The metrics, as a message lists them.
    static let metricList = Metric.allCases.map(\.spelling).joined(separator: ", ")

    /// Units a value may carry, with the factor to the base unit, by the kind of metric.
    private static let latencyUnits: [String: Double] = ["": 1, "ms": 1, "s": 1000, "us": 0.001, "µs": 0.001]
    private static let errorRateUnits: [String: Double] = ["": 1, "%": 0.01]
    private static let knownUnits: Set<String> = ["ms", "s", "us", "µs", "%"]

    /// The threshold `text` spells, or what is wrong with it.
    ///
    /// Whitespace between the parts is optional (`p99<50ms`). Latency values are in milliseconds
    /// unless they carry `s`, `ms`, `us` or `µs`; `error_rate` takes `%` or a fraction within 0...1;
    /// `rate` takes requests per second or `FACTOR * target_rate`; `missed` takes a whole count.
    public static func parse(_ text: String) -> Result<BenchThreshold, SyntaxProblem> {
        var rest = Substring(text.trimmingWhitespace())
        guard !rest.isEmpty else { return problem("empty threshold: write METRIC OP VALUE, e.g. p99 < 50ms") }

        var stage: String?
        if rest.hasPrefix("stage"), let next = rest.dropFirst(5).first, next.isWhitespace || next == ":" {
            guard let colon = rest.firstIndex(of: ":") else {
                return problem("expected 'stage NAME:' before the metric, e.g. stage endurance: p99 < 50ms, got '\(text)'")
            }
            let name = String(rest[rest.index(rest.startIndex, offsetBy: 5)..<colon]).trimmingWhitespace()
            guard !name.isEmpty else { return problem("missing the stage's name between 'stage' and ':', e.g. stage endurance: p99 < 50ms") }
            stage = name
            rest = rest[rest.index(after: colon)...]
        } else if rest.contains(":") {
            return problem("a threshold for one stage starts with 'stage NAME:', e.g. stage endurance: p99 < 50ms, got '\(text)'")
        }
        rest = rest.drop(while: \.isWhitespace)

        let metricText = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
        guard !metricText.isEmpty else {
            let found = rest.isEmpty ? "nothing" : "'\(rest)'"
            return problem("expected a metric (\(metricList)) at the start of the threshold, found \(found)")
        }
        guard let metric = Metric(rawValue: String(metricText)) else {
            return problem("unknown metric '\(metricText)' (use \(metricList))")
        }
        rest = rest.dropFirst(metricText.count).drop(while: \.isWhitespace)

        guard let comparison = [Comparison.lessOrEqual, .greaterOrEqual, .less, .greater].first(where: { rest.hasPrefix($0.symbol) }),
            !rest.dropFirst(comparison.symbol.count).hasPrefix("="), !rest.dropFirst(comparison.symbol.count).hasPrefix("<"),
            !rest.dropFirst(comparison.symbol.count).hasPrefix(">")
        else {
            let found = rest.isEmpty ? "" : ", got '\(rest.prefix { !$0.isWhitespace })'"
            return problem("expected an operator < <= > >= after '\(metricText)'\(found)")
        }
        let value = String(rest.dropFirst(comparison.symbol.count)).trimmingWhitespace()
        guard !value.isEmpty else {
            return problem("expected a value after '\(metricText) \(comparison.symbol)', e.g. \(metricText) \(comparison.symbol) \(example(for: metric))")
        }
        return limit(value, for: metric).map {
            BenchThreshold(stage: stage, metric: metric, comparison: comparison, limit: $0, expression: text)
        }
    }

    /// The right-hand side `text` for `metric`, in the metric's base unit.
    private static func limit(_ text: String, for metric: Metric) -> Result<Limit, SyntaxProblem> {
        if text.contains("target_rate") || (metric == .rate && text.contains("*")) {
            guard metric == .rate else {
                return problem("'target_rate' applies to rate only (\(metric.spelling) takes a value such as \(example(for: metric)))")
            }
            return targetRateFactor(text)
        }
        if text.hasPrefix("-") { return problem("\(metric.spelling) must not be negative, got '\(text)'") }
        guard let (number, unit) = numberAndUnit(text) else {
            return problem("expected a number for \(metric.spelling), e.g. \(example(for: metric)), got '\(text)'")
        }
        let trailing = String(unit.drop { !$0.isWhitespace }).trimmingWhitespace()
        let unitText = String(unit.prefix { !$0.isWhitespace })
        guard trailing.isEmpty else { return problem("unexpected '\(trailing)' after '\(String(text.prefix(text.count - trailing.count)).trimmingWhitespace())'") }
        guard number.isFinite else { return problem("'\(text)' is too large") }

        switch metric {
        case .errorRate:
            guard let factor = errorRateUnits[unitText] else { return wrongUnit(unitText, metric, allowed: "% or a fraction such as 0.001") }
            let fraction = number * factor
            guard fraction <= 1 else { return problem("error_rate must be between 0 and 1 (or 0% and 100%), got '\(text)'") }
            return .success(.value(fraction))
        case .rate:
            guard unitText.isEmpty else {
                return wrongUnit(unitText, metric, allowed: "requests per second as a bare number such as 1000, or FACTOR * target_rate")
            }
            return .success(.value(number))
        case .missed:
            guard unitText.isEmpty else { return wrongUnit(unitText, metric, allowed: "a bare count such as 0") }
            guard number == number.rounded() else { return problem("missed counts requests: expected a whole number, got '\(text)'") }
            return .success(.value(number))
        default:
            guard let factor = latencyUnits[unitText] else { return wrongUnit(unitText, metric, allowed: "ms, s or us") }
            return .success(.value(number * factor))
        }
    }

    /// `FACTOR * target_rate`, `target_rate * FACTOR` or `target_rate` (a factor of 1).
    private static func targetRateFactor(_ text: String) -> Result<Limit, SyntaxProblem> {
        if text == "target_rate" { return .success(.targetRateFactor(1)) }
        let parts = text.split(separator: "*", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace() }
        let factorText = parts.count == 2 ? (parts[1] == "target_rate" ? parts[0] : parts[0] == "target_rate" ? parts[1] : nil) : nil
        guard let factorText, let (factor, unit) = numberAndUnit(factorText), unit.isEmpty, factor.isFinite else {
            return problem("expected FACTOR * target_rate, e.g. rate >= 0.95 * target_rate, got '\(text)'")
        }
        return .success(.targetRateFactor(factor))
    }

    /// A leading unsigned decimal number (`50`, `0.5`, `.5`, `1e-3`) and the rest of `text`, trimmed.
    private static func numberAndUnit(_ text: String) -> (Double, String)? {
        let characters = Array(text)
        var end = 0
        func digits() -> Int {
            let start = end
            while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
            return end - start
        }
        var count = digits()
        if end < characters.count, characters[end] == "." {
            end += 1
            count += digits()
        }
        guard count > 0 else { return nil }
        if end < characters.count, characters[end] == "e" || characters[end] == "E" {
            let mark = end
            end += 1
            if end < characters.count, characters[end] == "+" || characters[end] == "-" { end += 1 }
            if digits() == 0 { end = mark }
        }
        guard let number = Double((characters.first == "." ? "0" : "") + String(characters[..<end])) else { return nil }
        return (number, String(characters[end...]).trimmingWhitespace())
    }

    private static func wrongUnit(_ unit: String, _ metric: Metric, allowed: String) -> Result<Limit, SyntaxProblem> {
        if knownUnits.contains(unit) { return problem("'\(unit)' does not apply to \(metric.spelling) (use \(allowed))") }
        return problem("unknown unit '\(unit)' for \(metric.spelling) (use \(allowed))")
    }

    /// A value a threshold on `metric` could have, for messages.
    static func example(for metric: Metric) -> String {
        switch metric {
        case .errorRate: "0.1%"
        case .rate: "0.95 * target_rate"
        case .missed: "0"
        default: "50ms"
        }
    }

    private static func problem<T>(_ message: String) -> Result<T, SyntaxProblem> { .failure(SyntaxProblem(message)) }
}
