import BulwarkConfig

extension BenchThreshold {
    /// How `report` fared against this threshold.
    ///
    /// The figures come from ``BenchReport/summary`` for a whole-run threshold, or from the stage the
    /// `stage NAME:` prefix names: the ``StageReport`` whose name is `NAME` (an unnamed stage is called
    /// `stage N`, so `stage 2:` finds it too), else the stage at 1-based position `NAME`.
    /// ``ThresholdOutcome/observed`` and ``ThresholdOutcome/limit`` are in the metric's base unit:
    /// milliseconds, a fraction, requests per second or a count.
    ///
    /// A threshold that cannot be judged fails rather than passing silently:
    /// - `FACTOR * target_rate` on figures without a target rate (a closed-model run) fails with the
    ///   achieved rate as observed value and a limit of 0;
    /// - a stage the report does not have fails with observed 0 (and the limit, when it is a value);
    /// - a latency threshold on figures without a single answer fails (there is no latency to judge).
    public func evaluate(in report: BenchReport) -> ThresholdOutcome {
        guard let summary = summary(in: report) else {
            return ThresholdOutcome(expression: expression, observed: 0, limit: limit.resolved(targetRate: nil) ?? 0, passed: false)
        }
        let observed = metric.value(in: summary)
        if metric.isLatency, summary.requests == 0 {  // no answer at all: a latency limit cannot have been met
            return ThresholdOutcome(expression: expression, observed: observed, limit: limit.resolved(targetRate: summary.targetRate) ?? 0, passed: false)
        }
        guard let resolved = limit.resolved(targetRate: summary.targetRate) else {
            return ThresholdOutcome(expression: expression, observed: observed, limit: 0, passed: false)
        }
        return ThresholdOutcome(expression: expression, observed: observed, limit: resolved, passed: comparison.holds(observed, resolved))
    }

    /// The figures this threshold is about: the whole run's, or its stage's; nil when the stage is missing.
    func summary(in report: BenchReport) -> RunSummary? {
        guard let stage else { return report.summary }
        if let named = report.stages.first(where: { $0.name == stage }) ?? report.stages.first(where: { $0.name == "stage \(stage)" }) {
            return named.summary
        }
        guard let position = Int(stage), report.stages.indices.contains(position - 1) else { return nil }
        return report.stages[position - 1].summary
    }
}

extension BenchThreshold.Metric {
    /// The metric's value in `summary`, in its base unit.
    public func value(in summary: RunSummary) -> Double {
        switch self {
        case .p50: summary.latency.p50
        case .p90: summary.latency.p90
        case .p99: summary.latency.p99
        case .p999: summary.latency.p999
        case .max: summary.latency.max
        case .mean: summary.latency.mean
        case .errorRate: summary.errorRate
        case .rate: summary.rate
        case .missed: Double(summary.missed)
        }
    }
}
