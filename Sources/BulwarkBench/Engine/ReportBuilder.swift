import Foundation
import Histogram

/// Turns the merged counts of a run into a ``BenchReport``: per-stage and whole-run summaries and the
/// per-second timeline. Pure: it reads no clock.
struct ReportBuilder {
    let settings: LoadSettings
    let startedAt: Date

    /// The report from the merged tallies and the seconds already sealed during the run.
    func report(from tally: RunTally, sealedSeconds: [Int: TimelinePoint] = [:]) -> BenchReport {
        let duration = settings.model.duration
        var stages: [StageReport] = []
        var whole = StageTally()
        var start = 0.0
        for (index, stageTally) in tally.stages.enumerated() {
            whole.merge(stageTally)
            let stageDuration: Double
            var rateFrom: Double?
            var rateTo: Double?
            var targetRate: Double?
            switch settings.model {
            case .closed(let length):
                stageDuration = length
            case .open(let schedule):
                let stage = schedule.stages[index]
                stageDuration = stage.duration
                rateFrom = stage.rateFrom
                rateTo = stage.rateTo
                targetRate = (stage.rateFrom + stage.rateTo) / 2
            }
            stages.append(StageReport(
                name: settings.stageNames[index], startSeconds: start, durationSeconds: stageDuration,
                rateFrom: rateFrom, rateTo: rateTo, summary: Self.summary(of: stageTally, duration: stageDuration, targetRate: targetRate)
            ))
            start += stageDuration
        }
        var wholeTarget: Double?
        if case .open(let schedule) = settings.model, duration > 0 { wholeTarget = schedule.sends(from: 0, to: duration) / duration }
        return BenchReport(
            target: "http://\(settings.target.hostHeader)\(settings.target.pathAndQuery)",
            model: { if case .open = settings.model { return .open } else { return .closed } }(),
            startedAt: startedAt, durationSeconds: duration, connections: tally.poolSize,
            summary: Self.summary(of: whole, duration: duration, targetRate: wholeTarget),
            stages: stages, timeline: timeline(from: tally, sealed: sealedSeconds, duration: duration)
        )
    }

    static func summary(of tally: StageTally, duration: Double, targetRate: Double?) -> RunSummary {
        var errorsByKind: [String: Int] = [:]
        for failure in TransportFailure.allCases where tally.failures[failure.rawValue] > 0 {
            errorsByKind[failure.kind] = tally.failures[failure.rawValue]
        }
        let (clientErrors, serverErrors) = tally.statusErrors
        if clientErrors > 0 { errorsByKind["status_4xx"] = clientErrors }
        if serverErrors > 0 { errorsByKind["status_5xx"] = serverErrors }
        var statusCodes: [String: Int] = [:]
        for (code, count) in tally.statusCounts.enumerated() where count > 0 { statusCodes[String(code)] = count }
        let transportFailures = tally.failures.reduce(0, +)
        let errors = transportFailures + clientErrors + serverErrors
        let attempts = tally.responses + transportFailures
        return RunSummary(
            requests: tally.responses, errors: errors, errorsByKind: errorsByKind, statusCodes: statusCodes,
            errorRate: attempts > 0 ? Double(errors) / Double(attempts) : 0,
            rate: duration > 0 ? Double(tally.responses) / duration : 0, targetRate: targetRate,
            missed: tally.missed, unsent: tally.unsent, latency: latency(of: tally.latency)
        )
    }

    static func latency(of histogram: Histogram<UInt64>) -> LatencySummary {
        guard histogram.totalCount > 0 else { return .empty }
        func ms(_ microseconds: UInt64) -> Double { Double(microseconds) / 1000 }
        return LatencySummary(
            p50: ms(histogram.valueAtPercentile(50)), p90: ms(histogram.valueAtPercentile(90)),
            p99: ms(histogram.valueAtPercentile(99)), p999: ms(histogram.valueAtPercentile(99.9)),
            max: ms(histogram.max), mean: histogram.mean / 1000
        )
    }

    private func timeline(from tally: RunTally, sealed: [Int: TimelinePoint], duration: Double) -> [TimelinePoint] {
        let count = max(Int(duration.rounded(.up)), tally.secondsBase + tally.seconds.count, (sealed.keys.max() ?? -1) + 1)
        return (0..<count).map { second in
            if let point = sealed[second] { return point }
            let index = second - tally.secondsBase
            return point(second: second, tally: index >= 0 && index < tally.seconds.count ? tally.seconds[index] : SecondTally())
        }
    }

    /// The timeline point of one second (0-based) from its merged tally.
    func point(second: Int, tally bucket: SecondTally) -> TimelinePoint {
        var targetRate: Double?
        if case .open(let schedule) = settings.model { targetRate = schedule.sends(from: Double(second), to: Double(second + 1)) }
        let empty = bucket.latency.totalCount == 0
        return TimelinePoint(
            second: Double(second + 1), requests: bucket.responses, errors: bucket.errors, targetRate: targetRate,
            p50Ms: empty ? 0 : Double(bucket.latency.valueAtPercentile(50)) / 1000,
            p99Ms: empty ? 0 : Double(bucket.latency.valueAtPercentile(99)) / 1000,
            maxMs: empty ? 0 : Double(bucket.latency.max) / 1000
        )
    }
}
