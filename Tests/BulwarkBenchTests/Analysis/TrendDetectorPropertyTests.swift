import BulwarkBench
import PropertyBased
import Testing

/// Invariants of the trend rule over random 30-minute stages: a line with a random slope (falling,
/// flat or rising) plus random noise, for memory and for p99.
@Suite(.timeLimit(.minutes(2))) struct TrendDetectorPropertyTests {
    typealias S = TrendSamples

    /// A random stage's samples: RSS from `base` MiB changing by `rssChange` MiB over the stage, p99 from
    /// `latencyBase` ms changing by `latencyChange` ms, each with uniform noise.
    struct Case: CustomStringConvertible {
        var base: Double, rssChange: Double, rssNoise: Double
        var latencyBase: Double, latencyChange: Double, latencyNoise: Double
        var seed: Int

        func watch(offsetMiB: Double = 0, scale: Double = 1) -> [WatchSample] {
            S.watch(noise: rssNoise, seed: seed) { t in base + rssChange * t / 1_800 }.map { sample in
                var sample = sample
                sample.rssBytes = sample.rssBytes.map { Int((Double($0) * scale + offsetMiB * S.mebibyte).rounded()) }
                return sample
            }
        }

        func timeline(offsetMs: Double = 0) -> [TimelinePoint] {
            S.timeline(noise: latencyNoise, seed: seed + 1) { t in latencyBase + latencyChange * t / 1_800 }.map { point in
                var point = point
                point.p99Ms += offsetMs
                return point
            }
        }

        var description: String {
            "RSS \(base) MiB \(rssChange >= 0 ? "+" : "")\(rssChange) ±\(rssNoise); p99 \(latencyBase) ms \(latencyChange >= 0 ? "+" : "")\(latencyChange) ±\(latencyNoise); seed \(seed)"
        }
    }

    static let cases = zip(
        Gen.double(in: 1...400), Gen.double(in: -60...120), Gen.double(in: 0...40),
        Gen.double(in: 0.5...50), Gen.double(in: -20...60), Gen.double(in: 0...20), Gen.int(in: 0...1_000_000)
    ).map { (values: (Double, Double, Double, Double, Double, Double, Int)) -> Case in
        Case(base: values.0, rssChange: values.1, rssNoise: values.2, latencyBase: values.3, latencyChange: values.4,
             latencyNoise: values.5, seed: values.6)
    }

    static func kinds(_ watch: [WatchSample], _ timeline: [TimelinePoint], stage: StageReport = S.stage()) -> Set<String> {
        Set(TrendDetector.findings(stages: [stage], timeline: timeline, watch: watch).map(\.kind))
    }

    @Test("raising every value by a constant can only withdraw a flag, never raise one")
    func anOffsetNeverCreatesAClimb() async {
        await propertyCheck(count: 150, input: Self.cases, Gen.int(in: 0...4_096)) { sample, offset in
            let before = Self.kinds(sample.watch(), sample.timeline())
            let after = Self.kinds(sample.watch(offsetMiB: Double(offset)), sample.timeline(offsetMs: Double(offset) / 16))
            // Slope, R² and the halves are unchanged by an offset; only "growth ≥ share of the start" gets harder.
            #expect(after.isSubset(of: before), "\(sample), offset \(offset): \(before) → \(after)")
        }
    }

    @Test("scaling memory up can only raise an RSS flag, never withdraw one")
    func scalingUpNeverHidesAClimb() async {
        await propertyCheck(count: 150, input: Self.cases, Gen.int(in: 1...8)) { sample, factor in
            let before = Self.kinds(sample.watch(), []).contains("rss_climb")
            let after = Self.kinds(sample.watch(scale: Double(factor)), []).contains("rss_climb")
            // Growth and start scale alike, so only "growth ≥ 8 MiB" changes, and only for the better.
            #expect(!before || after, "\(sample), ×\(factor)")
        }
    }

    @Test("a series that never rises is never flagged")
    func fallingSeriesAreNeverFlagged() async {
        await propertyCheck(count: 150, input: Self.cases) { sample in
            var falling = sample
            falling.rssChange = -abs(sample.rssChange)
            falling.latencyChange = -abs(sample.latencyChange)
            falling.rssNoise = 0
            falling.latencyNoise = 0
            // Starting high enough that nothing is clamped at zero: strictly a falling line.
            falling.base = sample.base + 120
            falling.latencyBase = sample.latencyBase + 60
            #expect(Self.kinds(falling.watch(), falling.timeline()).isEmpty, "\(falling)")
        }
    }

    @Test("ramps and stages under a minute are never analysed, whatever their samples")
    func rampsAndShortStagesAreNeverAnalysed() async {
        await propertyCheck(count: 100, input: Self.cases, Gen.double(in: 1...59.9), Gen.double(in: 1...10_000)) { sample, short, rate in
            let watch = sample.watch(), timeline = sample.timeline()
            #expect(Self.kinds(watch, timeline, stage: S.stage(rateFrom: rate, rateTo: rate * 1.5)).isEmpty)
            #expect(Self.kinds(watch, timeline, stage: S.stage(rateFrom: nil, rateTo: rate)).isEmpty)
            #expect(Self.kinds(watch, timeline, stage: S.stage(start: 600, seconds: short)).isEmpty)
        }
    }

    @Test("the order of the samples does not matter")
    func inputOrderDoesNotMatter() async {
        await propertyCheck(count: 100, input: Self.cases) { sample in
            let watch = sample.watch(), timeline = sample.timeline()
            var random = S.seededGenerator(seed: sample.seed)
            let stages = [S.stage("first", seconds: 900), S.stage("second", start: 900, seconds: 900)]
            let ordered = TrendDetector.findings(stages: stages, timeline: timeline, watch: watch)
            let shuffled = TrendDetector.findings(stages: stages, timeline: timeline.shuffled(using: &random), watch: watch.shuffled(using: &random))
            #expect(ordered == shuffled, "\(sample)")
        }
    }
}
