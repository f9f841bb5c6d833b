@testable import BulwarkBench
import Testing

/// The trend rule on synthetic 30-minute stages: leaks are flagged with their figures; noise, one-off
/// steps, warm-up, small growth, ramps and short stages are not.
@Suite struct TrendDetectorTests {
    typealias S = TrendSamples

    func findings(_ stages: [StageReport], timeline: [TimelinePoint] = S.steadyTimeline, watch: [WatchSample]) -> [Finding] {
        TrendDetector.findings(stages: stages, timeline: timeline, watch: watch)
    }

    @Test func aLinearRSSClimbIsFlaggedWithItsFigures() {
        // From 30 MiB where the warm-up ends (180 s) to 57 MiB at 1800 s, exactly.
        let watch = S.watch { t in 30 + (t - 180) * 27 / 1_620 }
        #expect(findings([S.stage()], watch: watch) == [Finding(
            kind: "rss_climb", stage: "endurance",
            message: "RSS grew 27.0 MiB (from 30.0 MiB, +90%) over 27m at a steady rate (R² 1.00): a leak?"
        )])
    }

    @Test func aNoisyLeakIsFlagged() {
        // 100 MiB + 40 MiB over 30 minutes, ±6 MiB of noise on every sample.
        let watch = S.watch(noise: 6, seed: 7) { t in 100 + t * 40 / 1_800 }
        let found = findings([S.stage()], watch: watch)
        #expect(found.map(\.kind) == ["rss_climb"])
        #expect(found.first?.message.hasPrefix("RSS grew 3") == true, "about 36 MiB over the analysed 27m: \(found)")
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func aFlatNoisySeriesIsNotFlagged(seed: Int) {
        let watch = S.watch(noise: 15, seed: seed) { _ in 200 }
        let timeline = S.timeline(noise: 3, seed: seed) { _ in 8 }
        #expect(findings([S.stage()], timeline: timeline, watch: watch) == [])
    }

    @Test(arguments: [0.4, 0.5, 0.6])
    func aOneOffStepIsNotFlagged(at fraction: Double) throws {
        // 100 MiB, then 160 MiB from `fraction` of the way through the analysed span on.
        let stepAt = 180 + 1_620 * fraction
        let watch = S.watch(noise: 1, seed: 3) { t in t < stepAt ? 100 : 160 }
        #expect(findings([S.stage()], watch: watch) == [])
        // A line fits the step well enough; it is the flat halves that show it is not a steady climb.
        let points = watch.map { (x: $0.second, y: Double($0.rssBytes ?? 0) / S.mebibyte) }
        let trend = try #require(TrendDetector.Trend(points: points, from: 180, to: 1_800))
        #expect(trend.fit.rSquared >= 0.6, "R² \(trend.fit.rSquared)")
        #expect(trend.growth >= 8)
        #expect(!trend.isClimb(by: TrendDetector.rss))
    }

    @Test func aLeakThatGrowsInStepsIsStillALeak() {
        // 4 MiB more every 3 minutes: a staircase, rising in both halves.
        let watch = S.watch(noise: 0.5, seed: 4) { t in 80 + (t / 180).rounded(.down) * 4 }
        #expect(findings([S.stage()], watch: watch).map(\.kind) == ["rss_climb"])
    }

    @Test func growthDuringTheWarmUpIsIgnored() {
        // 50 → 150 MiB in the first 3 minutes (10 %), flat after.
        let watch = S.watch(noise: 2, seed: 5) { t in min(150, 50 + t * 100 / 180) }
        #expect(findings([S.stage()], watch: watch) == [])
    }

    @Test func smallGrowthIsNotFlagged() {
        // +50 % but only 5 MiB (under 8 MiB).
        #expect(findings([S.stage()], watch: S.watch { t in 10 + t * 5 / 1_800 }) == [])
        // +40 MiB but only 4 % of 1 GiB (under 10 %).
        #expect(findings([S.stage()], watch: S.watch { t in 1_024 + t * 40 / 1_800 }) == [])
        // p99 +200 % but only 2 ms (under 5 ms).
        #expect(findings([S.stage()], timeline: S.timeline { t in 1 + t * 2 / 1_800 }, watch: []) == [])
        // p99 +8 ms but only 40 % of 20 ms (under 50 %).
        #expect(findings([S.stage()], timeline: S.timeline { t in 20 + t * 8 / 1_620 }, watch: []) == [])
    }

    @Test func aSteadyLatencyClimbIsFlagged() {
        let timeline = S.timeline(noise: 1.5, seed: 6) { t in 5 + t * 15 / 1_800 }
        let found = findings([S.stage()], timeline: timeline, watch: [])
        #expect(found.map(\.kind) == ["latency_climb"])
        #expect(found.first?.message.hasPrefix("p99 latency grew 1") == true, "\(found)")
        #expect(found.first?.message.contains(" ms (from ") == true && found.first?.message.contains("over 27m") == true)
    }

    @Test func latencySpikesAreNotAClimb() {
        var random = S.seededGenerator(seed: 9)
        let spikes = (1...1_800).map { _ in Int.random(in: 0..<100, using: &random) < 2 }
        // Flat 6 ms with 2 % of the seconds at 400 ms, more of them late in the stage.
        let timeline = S.timeline { t in spikes[Int(t) - 1] || (t > 1_700 && Int(t) % 9 == 0) ? 400 : 6 }
        #expect(findings([S.stage()], timeline: timeline, watch: []) == [])
    }

    @Test func rampsAndShortStagesAreNotAnalysed() {
        let leak = S.watch { t in 30 + t * 0.1 }
        #expect(findings([S.stage(rateFrom: 100, rateTo: 1_000)], watch: leak) == [], "a ramp's memory grows with its load")
        #expect(findings([S.stage(rateFrom: 100, rateTo: nil)], watch: leak) == [])
        #expect(findings([S.stage(seconds: 59)], watch: leak) == [], "under 60 s")
        #expect(findings([S.stage(seconds: 60)], watch: S.watch(seconds: 60) { t in 30 + t }).map(\.kind) == ["rss_climb"], "60 s is enough")
        #expect(findings([S.stage(rateFrom: nil, rateTo: nil)], watch: leak).map(\.kind) == ["rss_climb"], "closed model: constant load")
    }

    @Test func eachStageIsJudgedOnItsOwnSamples() {
        // Flat for 20 minutes, then a 10-minute stage that leaks; a ramp in between.
        let stages = [
            S.stage("steady", start: 0, seconds: 1_200), S.stage("ramp", start: 1_200, seconds: 60, rateFrom: 500, rateTo: 900),
            S.stage("soak", start: 1_260, seconds: 600, rateFrom: 900, rateTo: 900),
        ]
        let watch = S.watch(seconds: 1_860, noise: 1, seed: 8) { t in t < 1_260 ? 64 : 64 + (t - 1_260) * 0.05 }
        let timeline = S.timeline(seconds: 1_860, noise: 0.2, seed: 8) { t in t < 1_260 ? 3 : 3 + (t - 1_260) * 0.02 }
        let found = findings(stages, timeline: timeline, watch: watch)
        #expect(found.map { "\($0.stage) \($0.kind)" } == ["soak rss_climb", "soak latency_climb"])
    }

    @Test func tooFewSamplesAreNotJudged() {
        // A watch that failed for all but the first minutes of the stage.
        let watch = S.watch { t in 30 + t * 0.1 }.filter { $0.second < 600 }
        #expect(findings([S.stage()], watch: watch) == [])
        #expect(findings([S.stage()], watch: []) == [])
        #expect(TrendDetector.findings(stages: [S.stage()], timeline: [], watch: []) == [])
        #expect(TrendDetector.findings(stages: [], timeline: S.steadyTimeline, watch: S.watch { t in t }) == [])
    }

    @Test func theLeastSquaresLineIsExactOnALine() throws {
        let points: [(x: Double, y: Double)] = (0..<10).map { index in
            let x = Double(index) + 1e9
            return (x, 3 + 2 * x)
        }
        let fit = try #require(LinearFit(points))
        #expect(abs(fit.slope - 2) < 1e-9)
        #expect(abs(fit.rSquared - 1) < 1e-9)
        #expect(LinearFit([(x: 1, y: 1)]) == nil)
        #expect(LinearFit([(x: 1, y: 1), (x: 1, y: 2)]) == nil, "no spread in x")
        #expect(LinearFit([(x: 1, y: 5), (x: 2, y: 5)])?.rSquared == 0, "a flat line explains nothing")
    }
}
