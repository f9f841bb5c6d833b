@testable import BulwarkBench
import BulwarkConfig
import Foundation
import Testing

/// The JSON report reads back as it was written, with its documented key names.
struct ReportJSONRoundTripTests {
    static let report: BenchReport = {
        let latency = LatencySummary(p50: 1.5, p90: 2, p99: 9.25, p999: 12, max: 40, mean: 1.75)
        let summary = RunSummary(
            requests: 10, errors: 2, errorsByKind: ["status_5xx": 1, "connect": 1], statusCodes: ["200": 9, "503": 1],
            errorRate: 0.18, rate: 5, targetRate: 6, missed: 1, unsent: 0, latency: latency
        )
        return BenchReport(
            target: "http://127.0.0.1:1/", model: .open, startedAt: Date(timeIntervalSince1970: 1_800_000_000), durationSeconds: 2,
            connections: 4, summary: summary,
            stages: [StageReport(name: "Steady State", startSeconds: 0, durationSeconds: 2, rateFrom: 6, rateTo: 6, summary: summary)],
            timeline: [TimelinePoint(second: 1, requests: 5, errors: 1, targetRate: 6, p50Ms: 1, p99Ms: 9, maxMs: 40)],
            thresholds: [ThresholdOutcome(expression: "p99 < 50ms", observed: 9.25, limit: 50, passed: true)],
            watch: [WatchSample(second: 0.5, rssBytes: 1 << 20, cpuSeconds: 0.25, breakers: ["Upstream-A/127.0.0.1:1": "half_open"])],
            findings: [Finding(kind: "rss_climb", stage: "Steady State", message: "m")]
        )
    }()

    @Test("a report survives encode → decode unchanged, dictionary keys included")
    func roundTrip() throws {
        #expect(try BenchReport.decode(Self.report.json()) == Self.report)
    }

    @Test("keys are snake_case, the 99.9th percentile is p99_9_ms, and data keys are not rewritten")
    func keyNames() throws {
        let text = String(decoding: try Self.report.json(), as: UTF8.self)
        for key in ["\"schema_version\"", "\"duration_seconds\"", "\"p99_9_ms\"", "\"p50_ms\"", "\"errors_by_kind\"", "\"status_5xx\"", "\"Upstream-A/127.0.0.1:1\"", "\"rss_bytes\"", "\"target_rate\""] {
            #expect(text.contains(key), "missing \(key)")
        }
        #expect(!text.contains("p999"))
    }
}

/// A latency limit cannot be met by a run that got no answers.
struct NoAnswerThresholdTests {
    @Test("p99 < 50ms and max < 1ms fail when nothing was answered; error_rate judges the failures")
    func latencyWithoutAnswers() throws {
        var report = ReportJSONRoundTripTests.report
        report.summary.requests = 0
        report.summary.latency = .empty
        report.summary.errorRate = 1
        for text in ["p99 < 50ms", "max < 1ms", "mean <= 5ms"] {
            let threshold = try BenchThreshold.parse(text).get()
            #expect(threshold.evaluate(in: report).passed == false, "\(text)")
        }
        #expect(try BenchThreshold.parse("error_rate < 1%").get().evaluate(in: report).passed == false)
    }
}
