import BulwarkBench
import BulwarkConfig
import Foundation
import Testing

@Suite("Threshold evaluation", .timeLimit(.minutes(1)))
struct ThresholdEvaluationTests {
    static func summary(errorRate: Double = 0.002, rate: Double = 950, targetRate: Double? = 1000, missed: Int = 7, p99: Double = 12.5) -> RunSummary {
        RunSummary(
            requests: 1000, errors: Int(errorRate * 1000), errorsByKind: [:], statusCodes: [:], errorRate: errorRate, rate: rate,
            targetRate: targetRate, missed: missed, unsent: 0,
            latency: LatencySummary(p50: 2, p90: 5, p99: p99, p999: 40, max: 90, mean: 3)
        )
    }

    /// A run of three stages: `warm-up`, an unnamed second stage (`stage 2`) and `endurance`.
    static func report(summary: RunSummary = summary()) -> BenchReport {
        BenchReport(
            target: "http://127.0.0.1:8080", model: .open, startedAt: Date(timeIntervalSince1970: 0), durationSeconds: 90, connections: 64,
            summary: summary,
            stages: [
                StageReport(name: "warm-up", startSeconds: 0, durationSeconds: 30, rateFrom: 0, rateTo: 1000, summary: Self.summary(rate: 480, targetRate: 500, p99: 3)),
                StageReport(name: "stage 2", startSeconds: 30, durationSeconds: 30, rateFrom: 1000, rateTo: 1000, summary: Self.summary(missed: 0, p99: 80)),
                StageReport(name: "endurance", startSeconds: 60, durationSeconds: 30, rateFrom: 800, rateTo: 800,
                            summary: Self.summary(errorRate: 0.02, rate: 790, targetRate: 800, missed: 1, p99: 20)),
            ],
            timeline: []
        )
    }

    func outcome(_ text: String, in report: BenchReport = report()) throws -> ThresholdOutcome {
        try BenchThreshold.parse(text).get().evaluate(in: report)
    }

    @Test("each metric is read from the whole run, in its base unit", arguments: [
        ("p50 < 2.5ms", 2.0, 2.5, true), ("p90 <= 5ms", 5, 5, true), ("p99 < 10ms", 12.5, 10, false), ("p99.9 < 0.03s", 40, 30, false),
        ("max <= 90ms", 90, 90, true), ("mean > 3ms", 3, 3, false), ("error_rate < 0.1%", 0.002, 0.001, false),
        ("error_rate <= 0.002", 0.002, 0.002, true), ("rate >= 900", 950, 900, true), ("missed <= 5", 7, 5, false),
        ("rate >= 0.5 * target_rate", 950, 500, true), ("rate < 0.5 * target_rate", 950, 500, false), ("rate >= target_rate", 950, 1000, false), ("p99 < 12600us", 12.5, 12.6, true),
    ])
    func wholeRun(text: String, observed: Double, limit: Double, passed: Bool) throws {
        let result = try outcome(text)
        #expect(result.expression == text)
        #expect(abs(result.observed - observed) < 1e-9)
        #expect(abs(result.limit - limit) < 1e-9)
        #expect(result.passed == passed)
    }

    @Test("a stage threshold reads that stage, by name, by its `stage N` name or by position")
    func stages() throws {
        #expect(try outcome("stage warm-up: p99 < 5ms") == ThresholdOutcome(expression: "stage warm-up: p99 < 5ms", observed: 3, limit: 5, passed: true))
        #expect(try outcome("stage endurance: error_rate < 1%").observed == 0.02)
        #expect(try outcome("stage endurance: error_rate < 1%").passed == false)
        // The target rate is the stage's own.
        let ramp = try outcome("stage warm-up: rate >= 0.95 * target_rate")
        #expect(ramp.observed == 480)
        #expect(abs(ramp.limit - 475) < 1e-9)
        #expect(ramp.passed)
        // An unnamed stage: `stage 2` is its report name and its position.
        #expect(try outcome("stage 2: p99 < 50ms").observed == 80)
        #expect(try outcome("stage stage 2: p99 < 50ms").observed == 80)
        // A named stage by position.
        #expect(try outcome("stage 3: missed < 2").observed == 1)
        #expect(try outcome("stage 3: missed < 2").passed)
        // The whole run is unaffected by a stage's figures.
        #expect(try outcome("p99 < 50ms").observed == 12.5)
    }

    @Test("a stage the report lacks fails, observed 0")
    func missingStage() throws {
        #expect(try outcome("stage soak: p99 < 50ms") == ThresholdOutcome(expression: "stage soak: p99 < 50ms", observed: 0, limit: 50, passed: false))
        #expect(try outcome("stage 4: missed <= 0").passed == false)
        #expect(try outcome("stage 0: missed <= 0").passed == false)
    }

    @Test("target_rate without a target rate (closed model) fails with the achieved rate and limit 0")
    func closedModel() throws {
        let closed = Self.report(summary: Self.summary(rate: 5000, targetRate: nil))
        let result = try outcome("rate >= 0.5 * target_rate", in: closed)
        #expect(result == ThresholdOutcome(expression: "rate >= 0.5 * target_rate", observed: 5000, limit: 0, passed: false))
        // Even a threshold any rate would meet: it cannot be judged, so it does not pass.
        #expect(try outcome("rate >= 0 * target_rate", in: closed).passed == false)
        // Plain values still work on a closed-model run.
        #expect(try outcome("rate >= 4000", in: closed).passed)
    }

    @Test("outcomes encode in the report's JSON (no NaN or infinity)")
    func encodes() throws {
        let closed = Self.report(summary: Self.summary(targetRate: nil))
        var report = closed
        report.thresholds = try ["rate >= target_rate", "stage soak: rate > 0.5 * target_rate", "p99 < 1s"].map { try outcome($0, in: closed) }
        let object = try JSONSerialization.jsonObject(with: try report.json()) as? [String: Any]
        let thresholds = try #require(object?["thresholds"] as? [[String: Any]])
        #expect(thresholds.map { $0["expression"] as? String } == report.thresholds.map(\.expression))
        #expect(thresholds.map { $0["limit"] as? Double } == [0, 0, 1000])
        #expect(thresholds.map { $0["passed"] as? Bool } == [false, false, true])
        #expect(!report.passed)
    }
}
