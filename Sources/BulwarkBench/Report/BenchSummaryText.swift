/// The plain-text summary `bulwark bench` prints when a run ends, in the spirit of wrk's.
public enum BenchSummaryText {
    /// The summary of `report`: totals, latency percentiles, errors, stages and thresholds.
    public static func render(_ report: BenchReport) -> String {
        let summary = report.summary
        var lines: [String] = []
        let model = report.model == .open ? "open model, target \(ReportFormat.fixed(summary.targetRate ?? 0, digits: 1)) req/s" : "closed model"
        lines.append("\(report.target): \(ReportFormat.fixed(report.durationSeconds, digits: 1))s, \(report.connections) connections, \(model)")
        lines.append("  requests   \(summary.requests) (\(ReportFormat.fixed(summary.rate, digits: 1)) req/s)")
        let latency = summary.latency
        lines.append("  latency    p50 \(ms(latency.p50))  p90 \(ms(latency.p90))  p99 \(ms(latency.p99))  p99.9 \(ms(latency.p999))  max \(ms(latency.max))  mean \(ms(latency.mean))")
        var errors = "  errors     \(summary.errors) (\(ReportFormat.fixed(summary.errorRate * 100, digits: 3))%)"
        if !summary.errorsByKind.isEmpty {
            errors += "  " + summary.errorsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        lines.append(errors)
        if report.model == .open { lines.append("  missed     \(summary.missed) (never sent: \(summary.unsent))") }
        if report.stages.count > 1 {
            for stage in report.stages {
                let s = stage.summary
                lines.append("  \(stage.name.hasPrefix("stage ") ? stage.name : "stage " + stage.name): \(ReportFormat.fixed(stage.durationSeconds, digits: 1))s  \(ReportFormat.fixed(s.rate, digits: 1)) req/s  p99 \(ms(s.latency.p99))  errors \(s.errors)  missed \(s.missed)")
            }
        }
        for finding in report.findings { lines.append("  warning    \(finding.stage): \(finding.message)") }
        for threshold in report.thresholds {
            lines.append("  \(threshold.passed ? "✓" : "✗") \(threshold.expression)  (observed \(ReportFormat.fixed(threshold.observed, digits: 3)), limit \(ReportFormat.fixed(threshold.limit, digits: 3)))")
        }
        return lines.joined(separator: "\n")
    }

    private static func ms(_ value: Double) -> String { ReportFormat.fixed(value, digits: 2) + "ms" }
}
