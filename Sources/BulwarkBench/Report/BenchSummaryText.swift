/// The plain-text summary `bulwark bench` prints when a run ends, in the spirit of wrk's.
public enum BenchSummaryText {
    /// The summary of `report`: totals, latency percentiles, errors, stages and thresholds.
    public static func render(_ report: BenchReport) -> String {
        let summary = report.summary
        var lines: [String] = []
        let model = report.model == .open ? "open model, target \(number(summary.targetRate ?? 0, 1)) req/s" : "closed model"
        lines.append("\(report.target): \(number(report.durationSeconds, 1))s, \(report.connections) connections, \(model)")
        lines.append("  requests   \(summary.requests) (\(number(summary.rate, 1)) req/s)")
        let latency = summary.latency
        lines.append("  latency    p50 \(ms(latency.p50))  p90 \(ms(latency.p90))  p99 \(ms(latency.p99))  p99.9 \(ms(latency.p999))  max \(ms(latency.max))  mean \(ms(latency.mean))")
        var errors = "  errors     \(summary.errors) (\(number(summary.errorRate * 100, 3))%)"
        if !summary.errorsByKind.isEmpty {
            errors += "  " + summary.errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        lines.append(errors)
        if report.model == .open { lines.append("  missed     \(summary.missed) (never sent: \(summary.unsent))") }
        if report.stages.count > 1 {
            for stage in report.stages {
                let s = stage.summary
                lines.append("  \(stage.name.hasPrefix("stage ") ? stage.name : "stage " + stage.name): \(number(stage.durationSeconds, 1))s  \(number(s.rate, 1)) req/s  p99 \(ms(s.latency.p99))  errors \(s.errors)  missed \(s.missed)")
            }
        }
        for finding in report.findings { lines.append("  warning    \(finding.stage): \(finding.message)") }
        for threshold in report.thresholds {
            lines.append("  \(threshold.passed ? "✓" : "✗") \(threshold.expression)  (observed \(number(threshold.observed, 3)), limit \(number(threshold.limit, 3)))")
        }
        return lines.joined(separator: "\n")
    }

    private static func ms(_ value: Double) -> String { number(value, 2) + "ms" }

    /// `value` with `digits` decimals, without Foundation's locale-dependent formatting.
    static func number(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let fraction = Int(scaled - Double(whole) * scale)
            let digitsText = String(fraction)
            text += "." + String(repeating: "0", count: max(0, digits - digitsText.count)) + digitsText
        }
        return text
    }
}
