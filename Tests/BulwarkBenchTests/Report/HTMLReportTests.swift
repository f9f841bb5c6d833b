@testable import BulwarkBench
import Foundation
import Testing

/// The HTML report as text: its parts, its escaping, and SVG coordinates that are always numbers.
@Suite struct HTMLReportTests {
    static let lineCharts = ["chart-rate", "chart-latency", "chart-errors"]
    static let watchCharts = ["chart-rss", "chart-cpu", "chart-breakers"]

    /// Every number in a geometry attribute of the page (`x`, `y1`, `points`, `viewBox`, …); the ones
    /// that do not parse as a finite number are returned as `(attribute, token)`.
    static func badCoordinates(in html: String) -> (checked: Int, bad: [(String, String)]) {
        let attribute = /\s(x|y|x1|y1|x2|y2|cx|cy|r|width|height|points|viewBox)="([^"]*)"/
        var checked = 0
        var bad: [(String, String)] = []
        for match in html.matches(of: attribute) {
            for token in match.output.2.split(whereSeparator: { $0 == " " || $0 == "," }) {
                checked += 1
                if Double(token).map({ !$0.isFinite }) ?? true { bad.append((String(match.output.1), String(token))) }
            }
        }
        return (checked, bad)
    }

    /// The `<svg …>…</svg>` element with `id`.
    static func svg(_ id: String, in html: String) -> Substring? {
        guard let start = html.range(of: "<svg id=\"\(id)\""), let end = html[start.lowerBound...].range(of: "</svg>") else { return nil }
        return html[start.lowerBound..<end.upperBound]
    }

    @Test func aFullReportHasItsSectionsAndEveryChart() throws {
        let report = ReportFixtures.representative()
        let html = HTMLReport.render(report)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        for id in ["run", "findings", "summary", "stages", "thresholds", "errors-by-kind", "status-codes", "charts"] {
            #expect(html.contains("id=\"\(id)\""), "missing section \(id)")
        }
        for id in Self.lineCharts + Self.watchCharts {
            let svg = try #require(Self.svg(id, in: html), "missing \(id)")
            #expect(svg.contains("class=\"tick-label\""), "\(id) has labelled ticks")
            #expect(svg.components(separatedBy: "class=\"stage-marker\"").count - 1 == report.stages.count, "\(id) marks every stage")
            for stage in report.stages { #expect(svg.contains(">\(stage.name)</text>"), "\(id) labels stage \(stage.name)") }
        }
        #expect(html.components(separatedBy: "<ul class=\"legend\">").count - 1 == 6, "a legend per chart")
        #expect(Self.svg("chart-rate", in: html)?.contains("data-series=\"scheduled\"") == true, "the open model shows the scheduled rate")
        #expect(Self.svg("chart-breakers", in: html)?.contains("class=\"st-open\"") == true)
        #expect(Self.svg("chart-breakers", in: html)?.contains("class=\"st-half-open\"") == true)
        #expect(html.contains("id=\"findings\" role=\"alert\""), "findings stand out")
        #expect(html.contains(report.findings[0].message))
        #expect(html.contains("id=\"verdict\" class=\"pill bad\">FAILED"), "one threshold failed")
        #expect(html.contains("<td class=\"bad\">FAIL</td>"))
        #expect(html.contains("<td>status_5xx</td>") && html.contains("<td>503</td>"))
        #expect(html.contains("100 → 1000.0 req/s"), "the ramp's scheduled rate")
        let coordinates = Self.badCoordinates(in: html)
        #expect(coordinates.checked > 1_000)
        #expect(coordinates.bad.isEmpty, "\(coordinates.bad.prefix(5))")
    }

    @Test func aClosedRunWithoutWatchHasNoWatchChartsAndNoSchedule() {
        let html = HTMLReport.render(ReportFixtures.minimalClosed())
        for id in Self.lineCharts { #expect(html.contains("<svg id=\"\(id)\""), "missing \(id)") }
        for id in Self.watchCharts { #expect(!html.contains("id=\"\(id)\""), "\(id) needs watch samples") }
        #expect(!html.contains("data-series=\"scheduled\""))
        #expect(!html.contains("id=\"verdict\""), "no thresholds, no verdict")
        #expect(html.contains("No thresholds."))
    }

    @Test func thePageLoadsNothingFromElsewhereAndRunsNoScript() {
        let html = HTMLReport.render(ReportFixtures.representative())
        for remote in ["<script", "src=", "href=", "url(", "@import", "<link", "<img", "<iframe"] {
            #expect(!html.contains(remote), "the page must be self-contained: \(remote)")
        }
    }

    @Test func everyTextFromTheReportIsEscaped() {
        var report = ReportFixtures.representative(target: "http://127.0.0.1:8080/<script>alert('target')</script>?a=1&b=\"2\"")
        report.stages[1].name = "\"><img src=x onerror=alert(1)>"
        report.findings = [Finding(kind: "rss_climb", stage: "<b>stage</b>", message: "grew <script>alert(2)</script>")]
        report.thresholds[0].expression = "p99 < 50ms <script>"
        report.summary.errorsByKind = ["<i>kind</i>": 3]
        report.summary.statusCodes = ["<u>200</u>": 3]
        report.watch[5].breakers["</svg><script>alert(3)</script>"] = "<open>"
        let html = HTMLReport.render(report)
        for raw in ["<script", "<img", "<b>", "<i>", "<u>", "<open>", "</svg><script", "onerror=alert(1)>"] {
            #expect(!html.contains(raw), "unescaped: \(raw)")
        }
        #expect(html.contains("/&lt;script&gt;alert(&#39;target&#39;)&lt;/script&gt;?a=1&amp;b=&quot;2&quot;"))
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("grew &lt;script&gt;alert(2)&lt;/script&gt;"))
        #expect(html.contains("<code>p99 &lt; 50ms &lt;script&gt;</code>"))
        #expect(HTMLReport.escape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&#39;f")
    }

    @Test(arguments: ["empty open", "empty closed", "all zero"])
    func emptyAndZeroReportsDrawNoNaN(name: String) throws {
        let report = switch name {
        case "empty open": ReportFixtures.empty()
        case "empty closed": ReportFixtures.empty(model: .closed)
        default: ReportFixtures.allZero()
        }
        let html = HTMLReport.render(report)
        for id in Self.lineCharts { #expect(html.contains("<svg id=\"\(id)\""), "\(name): missing \(id)") }
        let coordinates = Self.badCoordinates(in: html)
        #expect(coordinates.checked > 50)
        #expect(coordinates.bad.isEmpty, "\(name): \(coordinates.bad.prefix(5))")
        #expect(html.range(of: "nan", options: .caseInsensitive) == nil, "\(name)")
        #expect(html.range(of: "infinity", options: .caseInsensitive) == nil, "\(name)")
    }

    @Test func valuesThatAreNotFiniteNeverReachTheMarkup() {
        var report = ReportFixtures.allZero()
        report.durationSeconds = .nan
        report.summary.latency = LatencySummary(p50: .nan, p90: .infinity, p99: -.infinity, p999: .nan, max: .nan, mean: .nan)
        report.summary.rate = .nan
        report.stages[0].durationSeconds = .infinity
        report.timeline = [
            TimelinePoint(second: 1, requests: 5, errors: 0, targetRate: .nan, p50Ms: .nan, p99Ms: .infinity, maxMs: 1),
            TimelinePoint(second: .nan, requests: 5, errors: 0, targetRate: 1, p50Ms: 1, p99Ms: 2, maxMs: 3),
        ]
        report.watch = [WatchSample(second: .infinity, rssBytes: 1, cpuSeconds: .nan, breakers: ["a": "open"])]
        let html = HTMLReport.render(report)
        #expect(Self.badCoordinates(in: html).bad.isEmpty, "\(Self.badCoordinates(in: html).bad.prefix(5))")
        #expect(html.range(of: "nan", options: .caseInsensitive) == nil)
        #expect(html.range(of: "inf", options: .caseInsensitive) == nil)
    }

    @Test func cpuIsTheCPUTimeUsedBetweenSamplesAsAPercentageOfOneCore() {
        let samples = [
            WatchSample(second: 0, rssBytes: 1, cpuSeconds: 10, breakers: [:]),
            WatchSample(second: 2, rssBytes: 1, cpuSeconds: 11, breakers: [:]),  // 1 s of CPU in 2 s: 50 %
            WatchSample(second: 3, rssBytes: 1, cpuSeconds: 13, breakers: [:]),  // 2 cores busy: 200 %
            WatchSample(second: 4, rssBytes: 1, cpuSeconds: nil, breakers: [:]),  // a failed sample: a gap
            WatchSample(second: 5, rssBytes: 1, cpuSeconds: 14, breakers: [:]),  // after the gap: no delta yet
            WatchSample(second: 6, rssBytes: 1, cpuSeconds: 0.5, breakers: [:]),  // the target restarted
            WatchSample(second: 7, rssBytes: 1, cpuSeconds: 0.75, breakers: [:]),
        ]
        let cpu = HTMLReport.cpuPercent(samples)
        #expect(cpu.map(\.second) == [2, 3, 4, 5, 6, 7])
        #expect(cpu.map(\.value) == [50, 200, nil, nil, nil, 25])
    }

    @Test func breakerBandsMergeRunsOfOneStateAndLeaveGapsBlank() {
        let states = ["closed", "closed", "open", "open", "half_open", "closed"]
        var watch = states.enumerated().map { WatchSample(second: Double($0.offset), rssBytes: nil, cpuSeconds: nil, breakers: ["app": $0.element]) }
        watch[1].breakers = [:]
        let bands = SVGBandChart.bands(from: watch.reversed())
        #expect(bands.map(\.name) == ["app"])
        #expect(bands.first?.spans == [
            .init(state: "closed", start: 0, end: 1), .init(state: "open", start: 2, end: 4),
            .init(state: "half_open", start: 4, end: 5), .init(state: "closed", start: 5, end: 6),
        ])
    }

    @Test(arguments: [
        (0.0, 1.0, 0.2), (0.3, 0.3, 0.1), (1.0, 1.0, 0.2), (7.0, 8.0, 2.0), (98.0, 100.0, 20.0), (101.0, 150.0, 50.0), (12_345.0, 15_000.0, 5_000.0),
        (-.infinity, 1.0, 0.2), (.nan, 1.0, 0.2),
    ])
    func valueAxesEndOnARoundNumberAboveTheLargestValue(maximum: Double, upper: Double, step: Double) {
        let axis = ChartValueAxis(maximum: maximum)
        #expect(abs(axis.upper - upper) < 1e-9 && abs(axis.step - step) < 1e-9, "\(maximum): \(axis)")
        #expect(axis.ticks.first == 0 && axis.ticks.count >= 2 && axis.ticks.count <= 11)
    }

    @Test func timeTicksAreRoundSpans() {
        #expect(ChartFrame.timeStep(for: 5) == 1)
        #expect(ChartFrame.timeStep(for: 270) == 30)
        #expect(ChartFrame.timeStep(for: 1_800) == 300)
        #expect(ChartFrame.timeStep(for: 0) == 1)
        #expect(ReportFormat.duration(seconds: 0) == "0s")
        #expect(ReportFormat.duration(seconds: 90) == "1m30s")
        #expect(ReportFormat.duration(seconds: 1_800) == "30m")
        #expect(ReportFormat.duration(seconds: 3_900) == "1h5m")
    }
}

/// Long runs: a day of seconds is drawn as its envelope, small enough to open, spikes kept.
@Suite struct HTMLReportLongRunTests {
    @Test func aDayLongRunIsThinnedToItsEnvelopeAndKeepsItsSpikes() throws {
        var report = ReportFixtures.minimalClosed()
        report.durationSeconds = 86_400
        report.stages[0].durationSeconds = 86_400
        report.timeline = (1...86_400).map { second in
            let spike = second == 43_210
            return TimelinePoint(second: Double(second), requests: 1_000 + second % 17, errors: 0, targetRate: nil,
                                 p50Ms: 2, p99Ms: spike ? 900 : 9 + Double(second % 5), maxMs: spike ? 1_000 : 20)
        }
        let html = HTMLReport.render(report)
        #expect(html.utf8.count < 600_000, "\(html.utf8.count) bytes")
        let latency = try #require(HTMLReportTests.svg("chart-latency", in: html))
        let lines = latency.matches(of: /<polyline[^>]*\spoints="([^"]*)"/).map { $0.output.1.split(separator: " ") }
        #expect(lines.count == 3)
        for points in lines { #expect(points.count > 1_000 && points.count <= 4 * Int(ChartFrame.width)) }
        // The spike reaches the top of the axis (1000 ms): y = the plot's top.
        let top = ReportFormat.coordinate(ChartFrame.marginTop)
        #expect(lines.contains { $0.contains { $0.hasSuffix(",\(top)") } }, "the 1 s spike survives thinning")
    }

    @Test func aShortSeriesIsDrawnPointForPoint() {
        let frame = ChartFrame(plotHeight: 100, endSecond: 10)
        let segment = (1...10).map { (second: Double($0), value: Double($0 % 3)) }
        #expect(SVGLineChart.envelope(segment, frame: frame).map(\.second) == segment.map(\.second))
    }
}
