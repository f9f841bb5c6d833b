import Foundation

/// Finds a steady climb of the target's memory or of the latency in the long stages of a run: the
/// signature of a leak or of a queue that grows, which a soak (endurance) stage exists to reveal.
///
/// Pure: it reads only the values it is given, no clock and no process.
///
/// ## The rule
///
/// A stage is analysed when its load is constant — `rateFrom == rateTo` (open model) or both nil
/// (closed model) — and it lasts at least 60 s. A ramp says nothing about leaks: its memory and latency
/// are meant to grow with the load.
///
/// 1. **Warm-up is skipped**: the first 10 % of the stage is left out (caches fill, pools open, the JIT
///    of the target warms up). What remains is the *analysed span*, from `start + 10 %` to the end.
/// 2. **Robust inputs**: the span is cut into 20 equal buckets and each bucket contributes one point, the
///    median of its values at the mean of its times, so that a lone spike (a GC pause, one slow second)
///    cannot make or hide a trend. RSS comes from the `watch` samples (`rss_bytes`, in MiB); latency from
///    each second's p99 in the `timeline` (seconds without responses are skipped). At least 8 buckets, and
///    3 in each half of the span, must hold samples; otherwise the stage is not judged.
/// 3. **A least-squares line** is fitted to those points. Its *start* is its value where the span begins;
///    its *growth* is `slope × span length`.
/// 4. **A climb is flagged** when all of these hold:
///
///    | | `rss_climb` | `latency_climb` |
///    | --- | --- | --- |
///    | growth ≥ this share of the start | 10 % | 50 % |
///    | growth ≥ | 8 MiB | 5 ms |
///    | R² of the line ≥ | 0.6 | 0.6 |
///
///    and the climb is **steady**: a line fitted to each half of the span alone rises at least a third as
///    fast as the whole line. A one-off step (a cache that filled once, a pool that grew once) can fit a
///    line well overall, but one of its halves is flat, so it is not flagged; a leak rises in both.
///
/// The message carries the figures: `RSS grew 42.0 MiB (from 31.2 MiB, +135%) over 27m at a steady rate
/// (R² 0.97): a leak?`. At most one finding of each kind per stage, in stage order, RSS first.
public enum TrendDetector {
    /// What the detector looks for, with its limits.
    struct Rule: Sendable {
        var kind: String
        var subject: String
        var unit: String
        var minimumRelativeGrowth: Double
        var minimumGrowth: Double
        var question: String
    }

    static let rss = Rule(kind: "rss_climb", subject: "RSS", unit: "MiB", minimumRelativeGrowth: 0.10, minimumGrowth: 8, question: "a leak?")
    static let latency = Rule(kind: "latency_climb", subject: "p99 latency", unit: "ms", minimumRelativeGrowth: 0.50, minimumGrowth: 5,
                              question: "a leak, or a queue that keeps growing?")
    static let minimumStageSeconds = 60.0
    static let warmUpFraction = 0.1
    static let minimumRSquared = 0.6
    static let bucketCount = 20
    static let minimumBuckets = 8
    static let minimumBucketsPerHalf = 3
    /// Each half's slope must be at least this share of the whole span's slope.
    static let minimumHalfSlopeShare = 1.0 / 3.0

    /// Findings for every analysed stage of a run.
    ///
    /// - Parameters:
    ///   - stages: the run's stages (``BenchReport/stages``).
    ///   - timeline: one point per second (``BenchReport/timeline``); its ``TimelinePoint/p99Ms`` is used.
    ///   - watch: the samples of the watched admin API (``BenchReport/watch``); empty without `watch:`.
    /// - Returns: `rss_climb` and `latency_climb` findings, in stage order.
    public static func findings(stages: [StageReport], timeline: [TimelinePoint], watch: [WatchSample]) -> [Finding] {
        let memory = watch.compactMap { sample in sample.rssBytes.map { (x: sample.second, y: Double($0) / 1_048_576) } }
        // A timeline point covers the second before `second`; its middle is where it belongs.
        let p99 = timeline.filter { $0.requests > 0 }.map { (x: $0.second - 0.5, y: $0.p99Ms) }
        var findings: [Finding] = []
        for stage in stages where isAnalysed(stage) {
            let from = stage.startSeconds + stage.durationSeconds * warmUpFraction
            let to = stage.startSeconds + stage.durationSeconds
            for (rule, points) in [(rss, memory), (latency, p99)] {
                guard let trend = Trend(points: points, from: from, to: to), trend.isClimb(by: rule) else { continue }
                findings.append(Finding(kind: rule.kind, stage: stage.name, message: trend.message(rule)))
            }
        }
        return findings
    }

    /// Whether `stage` runs at a constant load for at least ``minimumStageSeconds``.
    static func isAnalysed(_ stage: StageReport) -> Bool {
        guard stage.durationSeconds.isFinite, stage.startSeconds.isFinite, stage.durationSeconds >= minimumStageSeconds else { return false }
        switch (stage.rateFrom, stage.rateTo) {
        case (nil, nil): return true
        case let (from?, to?): return from == to
        default: return false
        }
    }
}
