extension HTMLReport {
    /// The findings in a warning box, or a note that none were made.
    static func findingsSection(_ findings: [Finding]) -> String {
        guard !findings.isEmpty else {
            return "<section class=\"wide\" id=\"findings\"><h2>Findings</h2><p class=\"none\">No steady RSS or latency climb "
                + "in any constant-rate stage of 60 s or more.</p></section>"
        }
        var html = "<section class=\"wide warning\" id=\"findings\" role=\"alert\"><h2>⚠ Findings</h2><ul>"
        for finding in findings {
            html += "<li><span class=\"kind\">\(escape(finding.kind))</span> in stage <strong>\(escape(finding.stage))</strong>: "
                + "\(escape(finding.message))</li>"
        }
        return html + "</ul></section>"
    }

    static func summarySection(_ report: BenchReport) -> String {
        let summary = report.summary
        var rows: [(String, String)] = [
            ("Requests", String(summary.requests)), ("Rate", ReportFormat.rate(summary.rate)),
        ]
        if let target = summary.targetRate { rows.append(("Target rate", ReportFormat.rate(target))) }
        rows += [
            ("Errors", String(summary.errors)), ("Error rate", ReportFormat.percent(summary.errorRate)),
            ("p50", ReportFormat.milliseconds(summary.latency.p50)), ("p90", ReportFormat.milliseconds(summary.latency.p90)),
            ("p99", ReportFormat.milliseconds(summary.latency.p99)), ("p99.9", ReportFormat.milliseconds(summary.latency.p999)),
            ("max", ReportFormat.milliseconds(summary.latency.max)), ("mean", ReportFormat.milliseconds(summary.latency.mean)),
        ]
        if report.model == .open || summary.missed > 0 {
            rows.append(("Missed (late sends)", String(summary.missed)))
            rows.append(("of which never sent", String(summary.unsent)))
        }
        var html = "<section id=\"summary\"><h2>Summary</h2><table><tbody>"
        for (key, value) in rows { html += "<tr><th>\(key)</th><td class=\"num\">\(escape(value))</td></tr>" }
        return html + "</tbody></table></section>"
    }

    static func stagesSection(_ report: BenchReport) -> String {
        let headings = ["Stage", "Start", "Duration", "Scheduled rate", "Requests", "Rate", "Error rate", "p50", "p99", "max", "Missed"]
        var html = "<section class=\"wide\" id=\"stages\"><h2>Stages</h2><table><thead><tr>"
        for (index, heading) in headings.enumerated() { html += index == 0 ? "<th>\(heading)</th>" : "<th class=\"num\">\(heading)</th>" }
        html += "</tr></thead><tbody>"
        if report.stages.isEmpty { html += "<tr><td class=\"empty\" colspan=\"\(headings.count)\">no stages</td></tr>" }
        for stage in report.stages {
            let scheduled: String
            switch (stage.rateFrom, stage.rateTo) {
            case let (from?, to?) where from == to: scheduled = ReportFormat.rate(from)
            case let (from?, to?): scheduled = "\(ReportFormat.fixed(from, digits: 0)) → \(ReportFormat.rate(to))"
            default: scheduled = "—"
            }
            let cells = [
                ReportFormat.duration(seconds: stage.startSeconds), ReportFormat.duration(seconds: stage.durationSeconds), scheduled,
                String(stage.summary.requests), ReportFormat.rate(stage.summary.rate), ReportFormat.percent(stage.summary.errorRate),
                ReportFormat.milliseconds(stage.summary.latency.p50), ReportFormat.milliseconds(stage.summary.latency.p99),
                ReportFormat.milliseconds(stage.summary.latency.max), String(stage.summary.missed),
            ]
            html += "<tr><td>\(escape(stage.name))</td>" + cells.map { "<td class=\"num\">\(escape($0))</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table></section>"
    }

    static func thresholdsSection(_ thresholds: [ThresholdOutcome]) -> String {
        var html = "<section id=\"thresholds\"><h2>Thresholds</h2>"
        guard !thresholds.isEmpty else { return html + "<p class=\"none\">No thresholds.</p></section>" }
        html += "<table><thead><tr><th>Threshold</th><th class=\"num\">Observed</th><th class=\"num\">Limit</th><th>Result</th></tr></thead><tbody>"
        for outcome in thresholds {
            let format = thresholdFormat(outcome.expression)
            html += "<tr class=\"\(outcome.passed ? "pass" : "fail")\"><td><code>\(escape(outcome.expression))</code></td>"
            html += "<td class=\"num\">\(escape(format(outcome.observed)))</td><td class=\"num\">\(escape(format(outcome.limit)))</td>"
            html += outcome.passed ? "<td class=\"ok\">pass</td></tr>" : "<td class=\"bad\">FAIL</td></tr>"
        }
        return html + "</tbody></table></section>"
    }

    /// How to print a threshold's values, read from its metric (the first word after an optional
    /// `stage NAME:` prefix): milliseconds for latency, a percentage for `error_rate`, requests per
    /// second for `rate`, a count for `missed`, a plain number otherwise.
    static func thresholdFormat(_ expression: String) -> @Sendable (Double) -> String {
        var text = Substring(expression)
        if text.hasPrefix("stage "), let colon = text.firstIndex(of: ":") { text = text[text.index(after: colon)...] }
        let metric = text.split(whereSeparator: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "=" }).first.map(String.init) ?? ""
        switch metric {
        case "p50", "p90", "p99", "p99.9", "max", "mean": return ReportFormat.milliseconds
        case "error_rate": return ReportFormat.percent
        case "rate": return ReportFormat.rate
        case "missed": return { ReportFormat.fixed($0, digits: 0) }
        default: return { ReportFormat.fixed($0, digits: 3) }
        }
    }

    static func errorsSection(_ summary: RunSummary) -> String {
        var html = "<section id=\"errors\"><h2>Errors and status codes</h2>"
        html += countTable(id: "errors-by-kind", heading: "Error kind", counts: summary.errorsByKind, empty: "no errors")
        html += countTable(id: "status-codes", heading: "Status", counts: summary.statusCodes, empty: "no responses")
        return html + "</section>"
    }

    /// A two-column table of counts, largest first (ties by key).
    static func countTable(id: String, heading: String, counts: [String: Int], empty: String) -> String {
        var html = "<table id=\"\(id)\"><thead><tr><th>\(heading)</th><th class=\"num\">Count</th></tr></thead><tbody>"
        if counts.isEmpty { html += "<tr><td class=\"empty\" colspan=\"2\">\(empty)</td></tr>" }
        for (key, count) in counts.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            html += "<tr><td>\(escape(key))</td><td class=\"num\">\(count)</td></tr>"
        }
        return html + "</tbody></table>"
    }
}
