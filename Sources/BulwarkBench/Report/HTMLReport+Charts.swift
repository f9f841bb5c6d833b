extension HTMLReport {
    static let colors = (achieved: "#2457c5", target: "#6b7686", p50: "#1a7f37", p99: "#c77700", max: "#c62828",
                         errors: "#c62828", rss: "#6b3fa0", cpu: "#0b7a75")

    /// The right end of the shared time axis: the last second that anything in the report reaches.
    static func endSecond(_ report: BenchReport) -> Double {
        let ends = [report.durationSeconds] + report.timeline.map(\.second) + report.watch.map(\.second)
            + report.stages.map { $0.startSeconds + $0.durationSeconds }
        return ends.filter(\.isFinite).max() ?? 0
    }

    static func chartsSection(_ report: BenchReport) -> String {
        let end = endSecond(report)
        let markers = report.stages.map { StageMarker(name: $0.name, second: $0.startSeconds) }
        let timeline = report.timeline.sorted { $0.second < $1.second }
        var html = "<section class=\"wide\" id=\"charts\"><h2>Over time</h2>"

        var rateSeries = [SVGLineChart.Series(name: "achieved", color: colors.achieved, points: timeline.map { ($0.second, Double($0.requests)) })]
        if report.model == .open || timeline.contains(where: { $0.targetRate != nil }) {
            rateSeries.append(.init(name: "scheduled", color: colors.target, dashed: true, points: timeline.map { ($0.second, $0.targetRate) }))
        }
        html += SVGLineChart(id: "chart-rate", title: "Requests per second", unit: "req/s", series: rateSeries, markers: markers, endSecond: end).render()

        let latency: [SVGLineChart.Series] = [
            .init(name: "p50", color: colors.p50, points: timeline.map { ($0.second, $0.requests > 0 ? $0.p50Ms : nil) }),
            .init(name: "p99", color: colors.p99, points: timeline.map { ($0.second, $0.requests > 0 ? $0.p99Ms : nil) }),
            .init(name: "max", color: colors.max, points: timeline.map { ($0.second, $0.requests > 0 ? $0.maxMs : nil) }),
        ]
        html += SVGLineChart(id: "chart-latency", title: "Latency per second", unit: "ms", series: latency, markers: markers, endSecond: end,
                             emptyNote: "no responses").render()

        let errors = SVGLineChart.Series(name: "errors", color: colors.errors, points: timeline.map { ($0.second, Double($0.errors)) })
        html += SVGLineChart(id: "chart-errors", title: "Errors per second", unit: "errors/s", series: [errors], markers: markers, endSecond: end).render()

        if !report.watch.isEmpty {
            let watch = report.watch.sorted { $0.second < $1.second }
            let rss = SVGLineChart.Series(name: "RSS", color: colors.rss, points: watch.map { sample in
                (sample.second, sample.rssBytes.map { Double($0) / 1_048_576 })
            })
            html += SVGLineChart(id: "chart-rss", title: "Target resident memory", unit: "MiB", series: [rss], markers: markers, endSecond: end,
                                 emptyNote: "no memory samples").render()
            let cpu = SVGLineChart.Series(name: "CPU", color: colors.cpu, points: cpuPercent(watch))
            html += SVGLineChart(id: "chart-cpu", title: "Target CPU", unit: "% of one core", series: [cpu], markers: markers, endSecond: end,
                                 emptyNote: "no CPU samples").render()
            html += SVGBandChart(id: "chart-breakers", title: "Circuit breakers", bands: SVGBandChart.bands(from: watch), markers: markers,
                                 endSecond: end).render()
        }
        return html + "</section>"
    }

    /// CPU use between consecutive samples, `Δcpu_seconds / Δsecond × 100`, at the later sample; nil (a
    /// gap) where either sample lacks `cpu_seconds` or the counter went backwards (the target restarted).
    /// `watch` is sorted by second.
    static func cpuPercent(_ watch: [WatchSample]) -> [(second: Double, value: Double?)] {
        zip(watch.dropFirst(), watch).map { current, previous in
            guard let now = current.cpuSeconds, let before = previous.cpuSeconds, now >= before,
                  current.second > previous.second else { return (current.second, nil) }
            return (current.second, (now - before) / (current.second - previous.second) * 100)
        }
    }
}
