/// The breaker chart: one horizontal band per circuit breaker, coloured by its state over time
/// (`closed`, `half_open`, `open`; anything else as "unknown"), on the report's shared time axis.
///
/// Each sample colours the band from its own second to the next sample's (the last one for the usual
/// sampling interval); neighbouring samples in the same state are drawn as one rectangle. A breaker
/// missing from a sample leaves its band blank there.
struct SVGBandChart: Sendable {
    /// One state of one breaker from `start` to `end` seconds.
    struct Span: Sendable, Equatable {
        var state: String
        var start: Double
        var end: Double
    }

    /// The `id` of the `<svg>` element.
    var id: String
    var title: String
    /// `(name, spans)` per breaker, in display order.
    var bands: [(name: String, spans: [Span])]
    var markers: [StageMarker]
    var endSecond: Double

    static let states: [(state: String, label: String, className: String)] = [
        ("closed", "closed", "st-closed"), ("half_open", "half open", "st-half-open"), ("open", "open", "st-open"),
    ]

    /// The spans of every breaker in `watch`, names sorted.
    static func bands(from watch: [WatchSample]) -> [(name: String, spans: [Span])] {
        let samples = watch.filter { $0.second.isFinite }.sorted { $0.second < $1.second }
        let names = Set(samples.flatMap(\.breakers.keys)).sorted()
        let gaps = zip(samples.dropFirst(), samples).map { $0.second - $1.second }.filter { $0 > 0 }.sorted()
        let usualGap = gaps.isEmpty ? 1 : gaps[gaps.count / 2]
        return names.map { name in
            var spans: [Span] = []
            for (index, sample) in samples.enumerated() {
                guard let state = sample.breakers[name] else { continue }
                let end = index + 1 < samples.count ? samples[index + 1].second : sample.second + usualGap
                if var last = spans.last, last.state == state, last.end == sample.second {
                    last.end = end
                    spans[spans.count - 1] = last
                } else {
                    spans.append(Span(state: state, start: sample.second, end: end))
                }
            }
            return (name, spans)
        }
    }

    func render() -> String {
        let rowHeight = 18.0, rowGap = 6.0
        let rows = max(1, bands.count)
        let frame = ChartFrame(plotHeight: Double(rows) * (rowHeight + rowGap) + rowGap, endSecond: endSecond)
        let c = ReportFormat.coordinate
        var html = "<figure class=\"chart\"><figcaption>\(HTMLReport.escape(title))</figcaption>"
        html += frame.openSVG(id: id, label: "\(title) over time")
        html += "<line class=\"axis baseline\" x1=\"\(c(frame.plotLeft))\" y1=\"\(c(frame.plotTop))\" x2=\"\(c(frame.plotLeft))\" y2=\"\(c(frame.plotBottom))\"/>"
        html += frame.timeAxis()
        if bands.isEmpty { html += frame.noData("no circuit breakers reported") }
        for (row, band) in bands.enumerated() {
            let top = frame.plotTop + rowGap + Double(row) * (rowHeight + rowGap)
            let name = HTMLReport.escape(band.name)
            let shortName = HTMLReport.escape(band.name.count > 14 ? String(band.name.prefix(13)) + "…" : band.name)
            html += "<g class=\"band\" data-breaker=\"\(name)\"><title>breaker \(name)</title>"
            html += "<text class=\"band-label\" x=\"\(c(frame.plotLeft - 6))\" y=\"\(c(top + rowHeight / 2 + 4))\" text-anchor=\"end\">\(shortName)</text>"
            for span in band.spans {
                let x = frame.x(span.start)
                let width = max(0.5, frame.x(span.end) - x)
                let className = Self.states.first { $0.state == span.state }?.className ?? "st-unknown"
                html += "<rect class=\"\(className)\" x=\"\(c(x))\" y=\"\(c(top))\" width=\"\(c(width))\" height=\"\(c(rowHeight))\">"
                    + "<title>\(name): \(HTMLReport.escape(span.state)) \(ReportFormat.duration(seconds: span.start))–\(ReportFormat.duration(seconds: span.end))</title></rect>"
            }
            html += "</g>"
        }
        html += frame.stageMarkers(markers)
        html += "</svg><ul class=\"legend\">"
        for state in Self.states {
            html += "<li><span class=\"swatch \(state.className)\"></span>\(state.label)</li>"
        }
        return html + "<li><span class=\"swatch stage\"></span>stage boundary</li></ul></figure>"
    }
}
