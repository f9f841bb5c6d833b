/// A line chart over the report's shared time axis: one or more series, a value axis from zero, stage
/// markers, and a legend under the plot. Rendered as inline SVG (plus an HTML legend) with no script.
///
/// A series is a list of segments; a gap in the data (a failed sample) starts a new segment, so a
/// line is never drawn across it. A segment of one point is drawn as a dot. A long run is thinned to
/// the lowest and highest point per half pixel (``envelope(_:frame:)``), so a day-long soak stays a
/// page of a few hundred kilobytes and a one-second spike still shows.
struct SVGLineChart: Sendable {
    /// One line of the chart.
    struct Series: Sendable {
        /// Shown in the legend.
        var name: String
        /// A CSS colour.
        var color: String
        /// Dashed (for a reference such as the target rate) or solid.
        var dashed: Bool = false
        /// Contiguous runs of `(second, value)` points.
        var segments: [[(second: Double, value: Double)]]

        /// A series from points where nil marks a gap.
        init(name: String, color: String, dashed: Bool = false, points: [(second: Double, value: Double?)]) {
            self.name = name
            self.color = color
            self.dashed = dashed
            var segments: [[(second: Double, value: Double)]] = []
            var current: [(second: Double, value: Double)] = []
            for point in points {
                if let value = point.value, value.isFinite, point.second.isFinite {
                    current.append((point.second, value))
                } else if !current.isEmpty {
                    segments.append(current)
                    current = []
                }
            }
            if !current.isEmpty { segments.append(current) }
            self.segments = segments
        }

        var isEmpty: Bool { segments.isEmpty }
    }

    /// The `id` of the `<svg>` element (`chart-rate`).
    var id: String
    /// The heading above the chart.
    var title: String
    /// The unit of the value axis (`req/s`, `ms`).
    var unit: String
    var series: [Series]
    var markers: [StageMarker]
    var endSecond: Double
    /// Shown in the plot when no series has a point.
    var emptyNote: String = "no data"

    /// A `<figure>` with the heading, the SVG and the legend.
    func render() -> String {
        let frame = ChartFrame(plotHeight: 180, endSecond: endSecond)
        let maximum = series.flatMap { $0.segments.joined().map(\.value) }.max() ?? 0
        let axis = ChartValueAxis(maximum: maximum)
        var html = "<figure class=\"chart\"><figcaption>\(HTMLReport.escape(title)) <span class=\"unit\">(\(HTMLReport.escape(unit)))</span></figcaption>"
        html += frame.openSVG(id: id, label: "\(title) (\(unit)) over time")
        html += axis.render(in: frame, unit: unit)
        html += frame.timeAxis()
        html += frame.stageMarkers(markers)
        if series.allSatisfy(\.isEmpty) { html += frame.noData(emptyNote) }
        for line in series {
            html += "<g class=\"series\" data-series=\"\(HTMLReport.escape(line.name))\"><title>\(HTMLReport.escape(line.name))</title>"
            for segment in line.segments.map({ Self.envelope($0, frame: frame) }) {
                let points = segment.map { "\(ReportFormat.coordinate(frame.x($0.second))),\(ReportFormat.coordinate(axis.y($0.value, in: frame)))" }
                if points.count == 1, let only = segment.first {
                    html += "<circle cx=\"\(ReportFormat.coordinate(frame.x(only.second)))\" cy=\"\(ReportFormat.coordinate(axis.y(only.value, in: frame)))\" "
                        + "r=\"2.5\" fill=\"\(line.color)\"/>"
                } else {
                    html += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.5\" stroke-linejoin=\"round\""
                        + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + " points=\"\(points.joined(separator: " "))\"/>"
                }
            }
            html += "</g>"
        }
        html += "</svg>"
        html += Self.legend(series.map { ($0.name, $0.color, $0.dashed) })
        return html + "</figure>"
    }

    /// `segment` with at most two points per half-pixel column of `frame`: the lowest and the highest,
    /// in time order. Unchanged when it has no column with more than two points.
    static func envelope(_ segment: [(second: Double, value: Double)], frame: ChartFrame) -> [(second: Double, value: Double)] {
        guard segment.count > 2 else { return segment }
        var thinned: [(second: Double, value: Double)] = []
        thinned.reserveCapacity(min(segment.count, Int(ChartFrame.width) * 4))
        var start = 0
        while start < segment.count {
            let column = Int((frame.x(segment[start].second) * 2).rounded(.down))
            var end = start + 1
            while end < segment.count, Int((frame.x(segment[end].second) * 2).rounded(.down)) == column { end += 1 }
            if end - start <= 2 {
                thinned += segment[start..<end]
            } else {
                let slice = segment[start..<end]
                let low = slice.indices.min { slice[$0].value < slice[$1].value } ?? start
                let high = slice.indices.max { slice[$0].value < slice[$1].value } ?? start
                thinned += low == high ? [segment[low]] : [segment[min(low, high)], segment[max(low, high)]]
            }
            start = end
        }
        return thinned
    }

    /// The legend under a chart: a swatch and a name per entry, and the stage-boundary line.
    static func legend(_ entries: [(name: String, color: String, dashed: Bool)]) -> String {
        var html = "<ul class=\"legend\">"
        for entry in entries {
            let style = entry.dashed ? "border-top: 2px dashed \(entry.color)" : "background: \(entry.color)"
            html += "<li><span class=\"swatch\" style=\"\(style)\"></span>\(HTMLReport.escape(entry.name))</li>"
        }
        html += "<li><span class=\"swatch stage\"></span>stage boundary</li>"
        return html + "</ul>"
    }
}
