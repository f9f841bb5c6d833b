import Foundation

/// The `--report` page: one self-contained HTML document for a ``BenchReport``.
///
/// The page needs nothing but a browser: inline CSS, inline SVG charts, no script, no font, image or
/// style sheet from anywhere else, so it can be mailed, attached to a CI run or opened from disk years
/// later. From the top:
///
/// - the run (target, model, start, duration, connections) and, with thresholds, PASSED or FAILED;
/// - findings of the trend analysis (``TrendDetector``) in a warning box;
/// - the summary, the thresholds, errors by kind and responses by status code, the per-stage table;
/// - the charts, all on one time axis (seconds from the start of the run) with a dashed, labelled line
///   where each stage begins: `chart-rate` (achieved requests per second and, open model, the
///   scheduled rate), `chart-latency` (p50, p99 and max per second, in milliseconds), `chart-errors`;
///   and with `watch:` samples, `chart-rss` (MiB), `chart-cpu` (% of one core, from consecutive
///   `cpu_seconds` samples) and `chart-breakers` (a band per circuit breaker, coloured by state).
///
/// Every piece of text that comes from the report (target, stage and breaker names, messages,
/// threshold expressions, error kinds) is HTML-escaped, and every SVG coordinate is a finite number,
/// whatever the report holds (an empty timeline, zeros, NaN).
///
/// ```swift
/// try HTMLReport.render(report).write(to: URL(fileURLWithPath: "report.html"), atomically: true, encoding: .utf8)
/// ```
public enum HTMLReport {
    /// The HTML page for `report`.
    public static func render(_ report: BenchReport) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        html += "<title>bulwark bench: \(escape(report.target))</title><style>\(style)</style></head><body>"
        html += header(report)
        html += "<main>"
        html += runSection(report)
        html += findingsSection(report.findings)
        html += summarySection(report)
        html += thresholdsSection(report.thresholds)
        html += errorsSection(report.summary)
        html += stagesSection(report)
        html += chartsSection(report)
        html += "</main></body></html>\n"
        return html
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references: safe in element
    /// content and in quoted attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func header(_ report: BenchReport) -> String {
        var html = "<header><h1>bulwark bench</h1><span class=\"target\">\(escape(report.target))</span>"
        if !report.thresholds.isEmpty {
            html += report.passed
                ? "<span id=\"verdict\" class=\"pill ok\">PASSED</span>"
                : "<span id=\"verdict\" class=\"pill bad\">FAILED</span>"
        }
        return html + "</header>"
    }

    static func runSection(_ report: BenchReport) -> String {
        let model = report.model == .open
            ? "open (requests sent on a schedule; latency from the intended send time)"
            : "closed (each connection sends when its previous answer arrived)"
        let started = ISO8601DateFormatter().string(from: report.startedAt)
        let rows: [(String, String)] = [
            ("Target", report.target), ("Model", model), ("Started", started),
            ("Duration", ReportFormat.duration(seconds: report.durationSeconds)), ("Connections", String(report.connections)),
        ]
        var html = "<section class=\"wide\" id=\"run\"><h2>Run</h2><dl class=\"facts\">"
        for (key, value) in rows { html += "<div><dt>\(key)</dt><dd>\(escape(value))</dd></div>" }
        return html + "</dl></section>"
    }
}
