/// A vertical line where a stage begins, drawn and labelled on every chart of the report.
struct StageMarker: Sendable, Equatable {
    /// The stage's name, shown next to the line.
    var name: String
    /// Where the stage begins, in seconds from the start of the run.
    var second: Double
}

/// The geometry every chart of the report shares: one width, one set of margins and one time axis
/// (seconds from the start of the run, `0...endSecond`), so that a second sits at the same horizontal
/// position on every chart and the charts can be read one above the other.
struct ChartFrame: Sendable {
    static let width: Double = 960
    static let marginLeft: Double = 104
    static let marginRight: Double = 28
    static let marginTop: Double = 28
    static let marginBottom: Double = 34

    /// Height of the plotting area.
    let plotHeight: Double
    /// The right end of the time axis, in seconds; always positive.
    let endSecond: Double

    /// A frame whose time axis ends at `endSecond` (1 s when it is not a positive number).
    init(plotHeight: Double, endSecond: Double) {
        self.plotHeight = plotHeight
        self.endSecond = endSecond.isFinite && endSecond > 0 ? endSecond : 1
    }

    var height: Double { Self.marginTop + plotHeight + Self.marginBottom }
    var plotLeft: Double { Self.marginLeft }
    var plotRight: Double { Self.width - Self.marginRight }
    var plotTop: Double { Self.marginTop }
    var plotBottom: Double { Self.marginTop + plotHeight }

    /// The horizontal position of `second`, clamped to the axis.
    func x(_ second: Double) -> Double {
        let clamped = second.isFinite ? min(endSecond, max(0, second)) : 0
        return plotLeft + clamped / endSecond * (plotRight - plotLeft)
    }

    /// The opening `<svg>` tag; `label` is escaped here.
    func openSVG(id: String, label: String) -> String {
        let c = ReportFormat.coordinate
        return "<svg id=\"\(id)\" class=\"chart-svg\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(c(Self.width)) \(c(height))\" "
            + "role=\"img\" aria-label=\"\(HTMLReport.escape(label))\"><title>\(HTMLReport.escape(label))</title>"
    }

    /// The time axis under the plot: a baseline, a tick and a label every ``timeStep(for:)`` seconds, and
    /// faint vertical grid lines.
    func timeAxis() -> String {
        let c = ReportFormat.coordinate
        let step = Self.timeStep(for: endSecond)
        var svg = "<g class=\"axis x-axis\">"
        svg += "<line class=\"baseline\" x1=\"\(c(plotLeft))\" y1=\"\(c(plotBottom))\" x2=\"\(c(plotRight))\" y2=\"\(c(plotBottom))\"/>"
        var tick = 0.0
        while tick <= endSecond + step * 1e-9 {
            let x = c(self.x(tick))
            svg += "<line class=\"grid\" x1=\"\(x)\" y1=\"\(c(plotTop))\" x2=\"\(x)\" y2=\"\(c(plotBottom))\"/>"
            svg += "<line class=\"tick\" x1=\"\(x)\" y1=\"\(c(plotBottom))\" x2=\"\(x)\" y2=\"\(c(plotBottom + 4))\"/>"
            svg += "<text class=\"tick-label\" x=\"\(x)\" y=\"\(c(plotBottom + 16))\" text-anchor=\"middle\">\(ReportFormat.duration(seconds: tick))</text>"
            tick += step
        }
        svg += "<text class=\"axis-title\" x=\"\(c(plotRight))\" y=\"\(c(plotBottom + 30))\" text-anchor=\"end\">time since start</text>"
        return svg + "</g>"
    }

    /// A dashed vertical line at each stage's start, with its name above the plot (alternating between
    /// two rows so that neighbouring short stages stay readable) and in a tooltip.
    func stageMarkers(_ markers: [StageMarker]) -> String {
        let c = ReportFormat.coordinate
        var svg = "<g class=\"stage-markers\">"
        for (index, marker) in markers.enumerated() {
            let x = c(self.x(marker.second))
            let name = HTMLReport.escape(marker.name)
            let labelY = index % 2 == 0 ? plotTop - 16 : plotTop - 5
            svg += "<g class=\"stage-marker\"><title>stage \(name) begins at \(ReportFormat.duration(seconds: marker.second))</title>"
            svg += "<line x1=\"\(x)\" y1=\"\(c(plotTop - 2))\" x2=\"\(x)\" y2=\"\(c(plotBottom))\"/>"
            svg += "<text x=\"\(c(self.x(marker.second) + 3))\" y=\"\(c(labelY))\">\(name)</text></g>"
        }
        return svg + "</g>"
    }

    /// A centred note in an empty plot.
    func noData(_ text: String) -> String {
        let c = ReportFormat.coordinate
        return "<text class=\"no-data\" x=\"\(c((plotLeft + plotRight) / 2))\" y=\"\(c((plotTop + plotBottom) / 2))\" "
            + "text-anchor=\"middle\">\(HTMLReport.escape(text))</text>"
    }

    /// The distance between time ticks: the smallest of 1 s, 2 s, 5 s, 10 s, 15 s, 30 s, 1 m, 2 m, 5 m,
    /// 10 m, 15 m, 30 m, 1 h, 2 h, 3 h, 6 h, 12 h, 1 d that gives at most 10 intervals.
    static func timeStep(for endSecond: Double) -> Double {
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400]
        guard endSecond.isFinite, endSecond > 0 else { return 1 }
        return steps.first { endSecond / $0 <= 10 } ?? (endSecond / 86_400 / 10).rounded(.up) * 86_400
    }
}
