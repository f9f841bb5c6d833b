import BulwarkBench
import Resilience

/// Synthetic runs for the trend tests: a stage, one watch sample and one timeline point per second,
/// values from a function of time plus seeded noise.
enum TrendSamples {
    static let mebibyte = 1_048_576.0

    /// A deterministic generator (Resilience's seeded SplitMix64), so that every noisy series is
    /// reproducible: the sequence starts one golden-ratio step past `seed`.
    static func seededGenerator(seed: Int) -> RandomSource.Generator {
        RandomSource.seeded(UInt64(bitPattern: Int64(seed)) &+ 0x9E37_79B9_7F4A_7C15).generator
    }

    /// A stage of `seconds` at a constant rate (open model), or nil rates for the closed model.
    static func stage(_ name: String = "endurance", start: Double = 0, seconds: Double = 1_800, rateFrom: Double? = 500,
                      rateTo: Double? = 500) -> StageReport {
        let summary = RunSummary(requests: 0, errors: 0, errorsByKind: [:], statusCodes: [:], errorRate: 0, rate: 0,
                                 targetRate: rateFrom, missed: 0, unsent: 0, latency: .empty)
        return StageReport(name: name, startSeconds: start, durationSeconds: seconds, rateFrom: rateFrom, rateTo: rateTo, summary: summary)
    }

    /// A watch sample every second from `start` to `start + seconds`, RSS `mebibytes(t) ± noise` MiB.
    static func watch(start: Double = 0, seconds: Int = 1_800, noise: Double = 0, seed: Int = 1,
                      mebibytes: (Double) -> Double) -> [WatchSample] {
        var random = seededGenerator(seed: seed)
        return (0...seconds).map { offset in
            let t = start + Double(offset)
            let value = mebibytes(t) + (noise > 0 ? Double.random(in: -noise...noise, using: &random) : 0)
            return WatchSample(second: t, rssBytes: Int((max(0, value) * mebibyte).rounded()), cpuSeconds: t / 2, breakers: [:])
        }
    }

    /// A timeline point per second from `start + 1` to `start + seconds`, p99 `milliseconds(t) ± noise`.
    static func timeline(start: Double = 0, seconds: Int = 1_800, noise: Double = 0, seed: Int = 2,
                         milliseconds: (Double) -> Double) -> [TimelinePoint] {
        var random = seededGenerator(seed: seed)
        return (1...seconds).map { offset in
            let t = start + Double(offset)
            let p99 = max(0, milliseconds(t) + (noise > 0 ? Double.random(in: -noise...noise, using: &random) : 0))
            return TimelinePoint(second: t, requests: 500, errors: 0, targetRate: 500, p50Ms: p99 / 4, p99Ms: p99, maxMs: p99 * 2)
        }
    }

    /// A flat p99 of 4 ms, for tests about memory.
    static let steadyTimeline = timeline { _ in 4 }
}
