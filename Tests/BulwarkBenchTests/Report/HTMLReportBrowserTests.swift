import BulwarkBench
import Foundation
import Testing

/// The HTML report in a real browser: Debian's headless Chromium loads the page from disk and dumps
/// its DOM, which is checked for the charts a person would see.
@Suite(.timeLimit(.minutes(2)))
struct HTMLReportBrowserTests {
    /// The DOM Chromium builds from `html`.
    static func render(_ html: String) async throws -> String {
        let chromium = try #require(ExternalTool.chromium, "chromium is required under CI=true (apt-get install chromium)")
        let directory = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("report.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let result = try await ExternalTool.run(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(directory.appendingPathComponent("profile").path)", "--dump-dom", page.absoluteString,
        ])
        #expect(result.status == 0, "\(result.output.prefix(2000))")
        return result.output
    }

    /// The `<svg id="…">…</svg>` element as Chromium serialised it.
    static func svg(_ id: String, in dom: String) -> Substring? {
        guard let start = dom.range(of: "id=\"\(id)\""), let open = dom[..<start.lowerBound].range(of: "<svg", options: .backwards),
              let end = dom[start.upperBound...].range(of: "</svg>") else { return nil }
        return dom[open.lowerBound..<end.upperBound]
    }

    /// The `points` of every `<polyline>` in `svg` that has at least two.
    static func lines(in svg: Substring) -> [String] {
        svg.matches(of: /<polyline[^>]*\spoints="([^"]*)"/).map { String($0.output.1) }.filter { $0.split(separator: " ").count >= 2 }
    }

    @Test(.enabled(if: ExternalTool.chromium != nil || ExternalTool.isCI, "chromium not installed (apt-get install chromium)"))
    func everyChartRendersWithItsLines() async throws {
        let report = ReportFixtures.representative(target: "http://127.0.0.1:8080/<script>document.title='pwned'</script>")
        let dom = try await Self.render(HTMLReport.render(report))
        #expect(dom.contains("<h1>bulwark bench</h1>"), "\(dom.prefix(1000))")
        #expect(!dom.contains("<script"), "the target is text, not a script")
        #expect(dom.contains("&lt;script&gt;document.title="))
        #expect(!dom.contains("pwned</title>"))

        let expectedLines = ["chart-rate": 2, "chart-latency": 3, "chart-errors": 1, "chart-rss": 1, "chart-cpu": 1]
        for (id, count) in expectedLines.sorted(by: { $0.key < $1.key }) {
            let svg = try #require(Self.svg(id, in: dom), "missing \(id)")
            #expect(Self.lines(in: svg).count >= count, "\(id): \(Self.lines(in: svg).count) lines")
            #expect(svg.contains("stage-marker"), "\(id) marks the stages")
        }
        let breakers = try #require(Self.svg("chart-breakers", in: dom), "missing chart-breakers")
        #expect(breakers.matches(of: /<rect class="st-(closed|open|half-open)"/).count >= 4)
        #expect(breakers.contains(">app</text>") && breakers.contains(">auth</text>"))
        #expect(dom.contains(report.findings[0].message))
    }

    @Test(.enabled(if: ExternalTool.chromium != nil || ExternalTool.isCI, "chromium not installed (apt-get install chromium)"))
    func anEmptyReportRendersItsChartsEmpty() async throws {
        let dom = try await Self.render(HTMLReport.render(ReportFixtures.empty()))
        for id in ["chart-rate", "chart-latency", "chart-errors"] {
            let svg = try #require(Self.svg(id, in: dom), "missing \(id)")
            #expect(svg.contains("class=\"no-data\""), "\(id) says it has no data")
        }
    }
}
