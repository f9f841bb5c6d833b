extension TrendDetector {
    /// The fitted course of one series over a stage's analysed span (see ``TrendDetector`` for the rule).
    struct Trend: Sendable, Equatable {
        /// The line through the bucket medians of the whole span.
        var fit: LinearFit
        /// The slopes of the lines through each half's bucket medians.
        var halfSlopes: (first: Double, second: Double)
        /// Where the span begins and its length, in seconds.
        var from: Double
        var span: Double

        /// The fitted value where the span begins.
        var start: Double { fit.value(at: from) }
        /// `slope × span`: how much the line rises over the span.
        var growth: Double { fit.slope * span }

        static func == (lhs: Trend, rhs: Trend) -> Bool {
            lhs.fit == rhs.fit && lhs.halfSlopes == rhs.halfSlopes && lhs.from == rhs.from && lhs.span == rhs.span
        }

        /// The trend of the `points` with `from ≤ x ≤ to`; nil when the span is empty, too few buckets
        /// hold points, or a line cannot be fitted.
        init?(points: [(x: Double, y: Double)], from: Double, to: Double) {
            guard from.isFinite, to.isFinite, to > from else { return nil }
            let width = (to - from) / Double(TrendDetector.bucketCount)
            var buckets = [[(x: Double, y: Double)]](repeating: [], count: TrendDetector.bucketCount)
            // Sorted, so that the sums below do not depend on the order the caller gave.
            let inside = points.filter { $0.x >= from && $0.x <= to && $0.y.isFinite }.sorted { ($0.x, $0.y) < ($1.x, $1.y) }
            for point in inside {
                buckets[min(TrendDetector.bucketCount - 1, Int((point.x - from) / width))].append(point)
            }
            let medians = buckets.map { bucket -> (x: Double, y: Double)? in
                guard !bucket.isEmpty else { return nil }
                let values = bucket.map(\.y).sorted()
                let middle = values.count / 2
                let median = values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
                return (bucket.reduce(0) { $0 + $1.x } / Double(bucket.count), median)
            }
            let half = TrendDetector.bucketCount / 2
            let first = medians[..<half].compactMap { $0 }, second = medians[half...].compactMap { $0 }
            guard first.count + second.count >= TrendDetector.minimumBuckets,
                  first.count >= TrendDetector.minimumBucketsPerHalf, second.count >= TrendDetector.minimumBucketsPerHalf,
                  let fit = LinearFit(first + second), let firstFit = LinearFit(first), let secondFit = LinearFit(second)
            else { return nil }
            self.fit = fit
            self.halfSlopes = (firstFit.slope, secondFit.slope)
            self.from = from
            self.span = to - from
        }

        /// Whether this trend is a steady climb by `rule`'s limits.
        func isClimb(by rule: Rule) -> Bool {
            let minimumHalfSlope = fit.slope * TrendDetector.minimumHalfSlopeShare
            return fit.slope > 0
                && growth >= rule.minimumGrowth
                && growth >= rule.minimumRelativeGrowth * start
                && fit.rSquared >= TrendDetector.minimumRSquared
                && halfSlopes.first >= minimumHalfSlope && halfSlopes.second >= minimumHalfSlope
        }

        /// `RSS grew 42.0 MiB (from 31.2 MiB, +135%) over 27m at a steady rate (R² 0.97): a leak?`
        func message(_ rule: Rule) -> String {
            let from = start > 0
                ? "from \(ReportFormat.fixed(start, digits: 1)) \(rule.unit), +\(ReportFormat.fixed(growth / start * 100, digits: 0))%"
                : "from \(ReportFormat.fixed(start, digits: 1)) \(rule.unit)"
            return "\(rule.subject) grew \(ReportFormat.fixed(growth, digits: 1)) \(rule.unit) (\(from)) over "
                + "\(ReportFormat.duration(seconds: span)) at a steady rate (R² \(ReportFormat.fixed(fit.rSquared, digits: 2))): \(rule.question)"
        }
    }
}
