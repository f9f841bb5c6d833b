import BulwarkConfig
import PropertyBased
import Testing

@Suite("Threshold syntax", .timeLimit(.minutes(1)))
struct BenchThresholdParsingTests {
    typealias Threshold = BenchThreshold

    @Test("well-formed thresholds", arguments: [
        ("p99 < 50ms", Threshold(metric: .p99, comparison: .less, limit: .value(50))),
        ("p99<50", Threshold(metric: .p99, comparison: .less, limit: .value(50))),
        ("  p50   <=   1.5 s  ", Threshold(metric: .p50, comparison: .lessOrEqual, limit: .value(1500))),
        ("p90 > 250us", Threshold(metric: .p90, comparison: .greater, limit: .value(0.25))),
        ("p99.9 >= 2µs", Threshold(metric: .p999, comparison: .greaterOrEqual, limit: .value(0.002))),
        ("max < 1s", Threshold(metric: .max, comparison: .less, limit: .value(1000))),
        ("mean < .5ms", Threshold(metric: .mean, comparison: .less, limit: .value(0.5))),
        ("error_rate < 0.1%", Threshold(metric: .errorRate, comparison: .less, limit: .value(0.001))),
        ("error_rate <= 0.001", Threshold(metric: .errorRate, comparison: .lessOrEqual, limit: .value(0.001))),
        ("error_rate < 100%", Threshold(metric: .errorRate, comparison: .less, limit: .value(1))),
        ("rate >= 0.95 * target_rate", Threshold(metric: .rate, comparison: .greaterOrEqual, limit: .targetRateFactor(0.95))),
        ("rate>=0.95*target_rate", Threshold(metric: .rate, comparison: .greaterOrEqual, limit: .targetRateFactor(0.95))),
        ("rate >= target_rate * 0.9", Threshold(metric: .rate, comparison: .greaterOrEqual, limit: .targetRateFactor(0.9))),
        ("rate >= target_rate", Threshold(metric: .rate, comparison: .greaterOrEqual, limit: .targetRateFactor(1))),
        ("rate > 20000", Threshold(metric: .rate, comparison: .greater, limit: .value(20_000))),
        ("missed <= 0", Threshold(metric: .missed, comparison: .lessOrEqual, limit: .value(0))),
        ("stage endurance: p99 < 50ms", Threshold(stage: "endurance", metric: .p99, comparison: .less, limit: .value(50))),
        ("stage  warm up :error_rate<1%", Threshold(stage: "warm up", metric: .errorRate, comparison: .less, limit: .value(0.01))),
        ("stage 2: missed < 10", Threshold(stage: "2", metric: .missed, comparison: .less, limit: .value(10))),
    ])
    func parses(text: String, expected: Threshold) throws {
        let parsed = try Threshold.parse(text).get()
        #expect(parsed.stage == expected.stage)
        #expect(parsed.metric == expected.metric)
        #expect(parsed.comparison == expected.comparison)
        #expect(parsed.limit == expected.limit)
        #expect(parsed.expression == text)
    }

    @Test("mistakes name what was wrong and what is allowed", arguments: [
        ("p95 < 50ms", "unknown metric 'p95' (use p50, p90, p99, p99.9, max, mean, error_rate, rate, missed)"),
        ("p99 < 5%", "'%' does not apply to p99 (use ms, s or us)"),
        ("p99 50ms", "expected an operator < <= > >= after 'p99', got '50ms'"),
        ("p99", "expected an operator < <= > >= after 'p99'"),
        ("p99 = 50ms", "expected an operator < <= > >= after 'p99', got '='"),
        ("p99 == 50ms", "expected an operator < <= > >= after 'p99', got '=='"),
        ("p99 =< 50ms", "expected an operator < <= > >= after 'p99', got '=<'"),
        ("p99 <> 50ms", "expected an operator < <= > >= after 'p99', got '<>'"),
        ("p99 <", "expected a value after 'p99 <', e.g. p99 < 50ms"),
        ("p99 < fast", "expected a number for p99, e.g. 50ms, got 'fast'"),
        ("p99 < 50sec", "unknown unit 'sec' for p99 (use ms, s or us)"),
        ("p99 < 50ms please", "unexpected 'please' after '50ms'"),
        ("p99 < -5ms", "p99 must not be negative, got '-5ms'"),
        ("error_rate < 5ms", "'ms' does not apply to error_rate (use % or a fraction such as 0.001)"),
        ("error_rate < 150%", "error_rate must be between 0 and 1 (or 0% and 100%), got '150%'"),
        ("error_rate < 2", "error_rate must be between 0 and 1 (or 0% and 100%), got '2'"),
        ("rate > 5ms", "'ms' does not apply to rate (use requests per second as a bare number such as 1000, or FACTOR * target_rate)"),
        ("rate > 0.9 * rate", "expected FACTOR * target_rate, e.g. rate >= 0.95 * target_rate, got '0.9 * rate'"),
        ("rate > many", "expected a number for rate, e.g. 0.95 * target_rate, got 'many'"),
        ("rate > 0.9 * target_rate * 2", "expected FACTOR * target_rate, e.g. rate >= 0.95 * target_rate, got '0.9 * target_rate * 2'"),
        ("rate > fast * target_rate", "expected FACTOR * target_rate, e.g. rate >= 0.95 * target_rate, got 'fast * target_rate'"),
        ("p99 < 0.5 * target_rate", "'target_rate' applies to rate only (p99 takes a value such as 50ms)"),
        ("missed < 1.5", "missed counts requests: expected a whole number, got '1.5'"),
        ("missed < 1%", "'%' does not apply to missed (use a bare count such as 0)"),
        ("", "empty threshold: write METRIC OP VALUE, e.g. p99 < 50ms"),
        ("   ", "empty threshold: write METRIC OP VALUE, e.g. p99 < 50ms"),
        ("< 50ms", "expected a metric (p50, p90, p99, p99.9, max, mean, error_rate, rate, missed) at the start of the threshold, found '< 50ms'"),
        ("stage endurance p99 < 5ms", "expected 'stage NAME:' before the metric, e.g. stage endurance: p99 < 50ms, got 'stage endurance p99 < 5ms'"),
        ("stage : p99 < 5ms", "missing the stage's name between 'stage' and ':', e.g. stage endurance: p99 < 50ms"),
        ("stage x:", "expected a metric (p50, p90, p99, p99.9, max, mean, error_rate, rate, missed) at the start of the threshold, found nothing"),
        ("endurance: p99 < 5ms", "a threshold for one stage starts with 'stage NAME:', e.g. stage endurance: p99 < 50ms, got 'endurance: p99 < 5ms'"),
        ("p99 < 1e400ms", "'1e400ms' is too large"),
    ])
    func mistakes(text: String, message: String) {
        #expect(Threshold.parse(text) == .failure(SyntaxProblem(message)))
    }

    @Test("the canonical spelling reads back to the same threshold")
    func canonicalSpelling() throws {
        let threshold = Threshold(stage: "endurance", metric: .p999, comparison: .greaterOrEqual, limit: .value(12.5))
        #expect(threshold.description == "stage endurance: p99.9 >= 12.5ms")
        #expect(threshold.expression == threshold.description)
        #expect(Threshold(metric: .rate, comparison: .greater, limit: .targetRateFactor(0.95)).description == "rate > 0.95 * target_rate")
        #expect(Threshold(metric: .errorRate, comparison: .less, limit: .value(0.001)).description == "error_rate < 0.001")
        #expect(Threshold(metric: .missed, comparison: .lessOrEqual, limit: .value(3)).description == "missed <= 3")
        let tiny = Threshold(metric: .errorRate, comparison: .less, limit: .value(1e-7))
        #expect(try Threshold.parse(tiny.description).get().limit == .value(1e-7))
    }

    @Test("comparisons", arguments: [
        (Threshold.Comparison.less, [true, false, false]),
        (.lessOrEqual, [true, true, false]),
        (.greater, [false, false, true]),
        (.greaterOrEqual, [false, true, true]),
    ])
    func comparisons(comparison: Threshold.Comparison, expected: [Bool]) {
        #expect([1.0, 2, 3].map { comparison.holds($0, 2) } == expected)
        #expect(!comparison.holds(.nan, 2))
        #expect(!comparison.holds(2, .nan))
    }

    @Test("property: a written threshold parses to its metric, operator and limit in the base unit")
    func roundTrip() async {
        await propertyCheck(
            count: 500, input: Gen.element(of: Threshold.Metric.allCases), Gen.element(of: Threshold.Comparison.allCases),
            Gen.int(in: 0...100_000), Gen.int(in: 0...3), Gen.int(in: 0...4), Gen.bool, Gen.bool
        ) { metric, comparison, amount, decimals, unitIndex, spaced, staged in
            guard let metric, let comparison else {
                Issue.record("no metric or operator generated")
                return
            }
            let value = Double(amount) / [1, 10, 100, 1000][decimals]
            let (written, expected): (String, Threshold.Limit)
            switch metric {
            case .errorRate:
                let fraction = value / 100_000
                (written, expected) = unitIndex % 2 == 0 ? ("\(fraction * 100)%", .value(fraction)) : ("\(fraction)", .value(fraction))
            case .rate:
                (written, expected) = unitIndex % 2 == 0 ? ("\(value)", .value(value)) : ("\(value) * target_rate", .targetRateFactor(value))
            case .missed:
                (written, expected) = (String(amount), .value(Double(amount)))
            default:
                let units: [(String, Double)] = [("", 1), ("ms", 1), ("s", 1000), ("us", 0.001), ("µs", 0.001)]
                (written, expected) = ("\(value)" + units[unitIndex].0, .value(value * units[unitIndex].1))
            }
            let gap = spaced ? " " : ""
            let text = (staged ? "stage soak:\(gap)" : "") + "\(metric.spelling)\(gap)\(comparison.symbol)\(gap)\(written)"
            guard let parsed = try? Threshold.parse(text).get() else {
                Issue.record("'\(text)' did not parse: \(Threshold.parse(text))")
                return
            }
            #expect(parsed.metric == metric)
            #expect(parsed.comparison == comparison)
            #expect(parsed.stage == (staged ? "soak" : nil))
            #expect(parsed.expression == text)
            switch (parsed.limit, expected) {
            case (.value(let got), .value(let want)), (.targetRateFactor(let got), .targetRateFactor(let want)):
                #expect(abs(got - want) <= 1e-9 * Swift.max(1, abs(want)), "'\(text)': \(got) vs \(want)")
            default:
                Issue.record("'\(text)' parsed to \(parsed.limit), expected \(expected)")
            }
            // The canonical spelling reads back to the same threshold.
            let again = try? Threshold.parse(parsed.description).get()
            #expect(again?.stage == parsed.stage)
            #expect(again?.metric == metric)
            #expect(again?.comparison == comparison)
            #expect(again?.limit == parsed.limit)
        }
    }
}
