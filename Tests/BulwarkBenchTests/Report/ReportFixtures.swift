import BulwarkBench
import Foundation

/// Reports for the report tests: a full open-model run, a minimal closed-model one, and an empty one.
enum ReportFixtures {
    static let startedAt = Date(timeIntervalSince1970: 1_796_000_000)

    static func summary(requests: Int, seconds: Double, errors: Int = 0, targetRate: Double? = nil, missed: Int = 0,
                        latency: LatencySummary = LatencySummary(p50: 2.1, p90: 4.8, p99: 12.5, p999: 40.2, max: 88.0, mean: 2.9)) -> RunSummary {
        RunSummary(
            requests: requests, errors: errors,
            errorsByKind: errors == 0 ? [:] : ["status_5xx": errors - errors / 3, "timeout": errors / 3],
            statusCodes: errors == 0 ? ["200": requests] : ["200": requests - (errors - errors / 3), "503": errors - errors / 3],
            errorRate: requests == 0 ? 0 : Double(errors) / Double(requests),
            rate: seconds > 0 ? Double(requests) / seconds : 0, targetRate: targetRate, missed: missed, unsent: missed / 4, latency: latency
        )
    }

    /// An open-model run of three stages (a 30 s ramp, a 60 s step, a 3 min endurance stage) with
    /// thresholds (one failing), a second per second of `watch:` samples and a finding.
    static func representative(target: String = "http://127.0.0.1:8080/api/items") -> BenchReport {
        let stages = [
            StageReport(name: "warm-up", startSeconds: 0, durationSeconds: 30, rateFrom: 100, rateTo: 1_000,
                        summary: summary(requests: 16_500, seconds: 30, targetRate: 550)),
            StageReport(name: "peak", startSeconds: 30, durationSeconds: 60, rateFrom: 1_000, rateTo: 1_000,
                        summary: summary(requests: 59_000, seconds: 60, errors: 120, targetRate: 1_000, missed: 800)),
            StageReport(name: "endurance", startSeconds: 90, durationSeconds: 180, rateFrom: 500, rateTo: 500,
                        summary: summary(requests: 90_000, seconds: 180, errors: 3, targetRate: 500)),
        ]
        var timeline: [TimelinePoint] = []
        for second in 1...270 {
            let scheduled = second <= 30 ? 100 + 30.0 * Double(second) : second <= 90 ? 1_000 : 500
            let achieved = second == 60 ? 0 : Int(scheduled * (second > 30 && second <= 90 ? 0.98 : 1))
            let p50 = 2 + Double(second % 7) / 10
            timeline.append(TimelinePoint(second: Double(second), requests: achieved, errors: second % 30 == 0 ? 40 : 0,
                                          targetRate: scheduled, p50Ms: p50, p99Ms: p50 * 5 + Double(second) / 30,
                                          maxMs: p50 * 20 + Double(second % 11)))
        }
        let watch = (0...270).map { second in
            WatchSample(
                second: Double(second), rssBytes: second == 100 ? nil : (40 << 20) + second * 150_000,
                cpuSeconds: second == 101 ? nil : Double(second) * 0.45,
                breakers: ["app": second >= 58 && second < 64 ? (second < 62 ? "open" : "half_open") : "closed", "auth": "closed"]
            )
        }
        let findings = TrendDetector.findings(stages: stages, timeline: timeline, watch: watch)
        return BenchReport(
            target: target, model: .open, startedAt: startedAt, durationSeconds: 270, connections: 64,
            summary: summary(requests: 165_500, seconds: 270, errors: 123, targetRate: 640, missed: 800),
            stages: stages, timeline: timeline,
            thresholds: [
                ThresholdOutcome(expression: "p99 < 50ms", observed: 12.5, limit: 50, passed: true),
                ThresholdOutcome(expression: "error_rate < 0.1%", observed: 123.0 / 165_500, limit: 0.001, passed: true),
                ThresholdOutcome(expression: "stage peak: rate >= 0.99 * target_rate", observed: 983.3, limit: 990, passed: false),
            ],
            watch: watch, findings: findings
        )
    }

    /// A closed-model run from the command line: one stage, no schedule, thresholds, watch or findings.
    static func minimalClosed() -> BenchReport {
        let total = summary(requests: 3, seconds: 1)
        return BenchReport(
            target: "http://localhost:3000/", model: .closed, startedAt: startedAt, durationSeconds: 1, connections: 2,
            summary: total, stages: [StageReport(name: "stage 1", startSeconds: 0, durationSeconds: 1, rateFrom: nil, rateTo: nil, summary: total)],
            timeline: [TimelinePoint(second: 1, requests: 3, errors: 0, targetRate: nil, p50Ms: 2, p99Ms: 3, maxMs: 3)]
        )
    }

    /// Nothing at all: no stages, no timeline, zero figures.
    static func empty(model: LoadModel = .open) -> BenchReport {
        let zero = RunSummary(requests: 0, errors: 0, errorsByKind: [:], statusCodes: [:], errorRate: 0, rate: 0,
                              targetRate: model == .open ? 0 : nil, missed: 0, unsent: 0, latency: .empty)
        return BenchReport(target: "http://127.0.0.1:1/", model: model, startedAt: startedAt, durationSeconds: 0, connections: 0,
                           summary: zero, stages: [], timeline: [])
    }

    /// A run whose every second and sample is zero: zero rate, zero latency, zero RSS and CPU.
    static func allZero() -> BenchReport {
        var report = empty()
        report.durationSeconds = 5
        let zero = report.summary
        report.stages = [StageReport(name: "flat", startSeconds: 0, durationSeconds: 5, rateFrom: 0, rateTo: 0, summary: zero)]
        report.timeline = (1...5).map { TimelinePoint(second: Double($0), requests: 0, errors: 0, targetRate: 0, p50Ms: 0, p99Ms: 0, maxMs: 0) }
        report.watch = (0...5).map { WatchSample(second: Double($0), rssBytes: 0, cpuSeconds: 0, breakers: [:]) }
        return report
    }
}
