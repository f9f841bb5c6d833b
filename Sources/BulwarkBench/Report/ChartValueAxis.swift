import Foundation

/// The vertical axis of a line chart: from 0 up to a "nice" bound (1, 2 or 5 × 10ⁿ steps, about five
/// of them) above the largest value, which is 1 when there is nothing positive to show.
struct ChartValueAxis: Sendable, Equatable {
    /// The top of the axis.
    let upper: Double
    /// The distance between ticks.
    let step: Double

    /// An axis that holds `maximum` (values that are not finite are ignored by the caller; a
    /// `maximum` that is not a positive finite number gives `0...1`).
    init(maximum: Double) {
        let top = maximum.isFinite && maximum > 0 ? maximum : 1
        let raw = top / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let residual = raw / magnitude
        let step = (residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10) * magnitude
        self.step = step
        // The tolerance keeps 0.3 / 0.1 = 3.0000000000000004 from adding a tick.
        self.upper = max(step, (top / step * (1 - 1e-9)).rounded(.up) * step)
    }

    /// The tick values, `0, step, …, upper`.
    var ticks: [Double] {
        let count = Int((upper / step).rounded())
        return (0...max(1, count)).map { Double($0) * step }
    }

    /// The vertical position of `value` in `frame`, clamped to the plot.
    func y(_ value: Double, in frame: ChartFrame) -> Double {
        let clamped = value.isFinite ? min(upper, max(0, value)) : 0
        return frame.plotBottom - clamped / upper * frame.plotHeight
    }

    /// Horizontal grid lines, ticks and labels on the left, and the unit written along the axis.
    func render(in frame: ChartFrame, unit: String) -> String {
        let c = ReportFormat.coordinate
        var svg = "<g class=\"axis y-axis\">"
        svg += "<line class=\"baseline\" x1=\"\(c(frame.plotLeft))\" y1=\"\(c(frame.plotTop))\" x2=\"\(c(frame.plotLeft))\" y2=\"\(c(frame.plotBottom))\"/>"
        for tick in ticks {
            let y = c(self.y(tick, in: frame))
            svg += "<line class=\"grid\" x1=\"\(c(frame.plotLeft))\" y1=\"\(y)\" x2=\"\(c(frame.plotRight))\" y2=\"\(y)\"/>"
            svg += "<line class=\"tick\" x1=\"\(c(frame.plotLeft - 4))\" y1=\"\(y)\" x2=\"\(c(frame.plotLeft))\" y2=\"\(y)\"/>"
            svg += "<text class=\"tick-label\" x=\"\(c(frame.plotLeft - 7))\" y=\"\(c(self.y(tick, in: frame) + 3.5))\" text-anchor=\"end\">"
                + ReportFormat.tick(tick, step: step) + "</text>"
        }
        let middle = c((frame.plotTop + frame.plotBottom) / 2)
        svg += "<text class=\"axis-title\" x=\"14\" y=\"\(middle)\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(middle))\">"
            + HTMLReport.escape(unit) + "</text>"
        return svg + "</g>"
    }
}
