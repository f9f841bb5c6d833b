import BulwarkDemo
import Foundation
import Testing

/// The dashboard in a real browser: Debian's headless Chromium renders the page, runs its JavaScript
/// against the live admin API and dumps the DOM, which is checked for what a person would see.
@Suite(.timeLimit(.minutes(2)))
struct DashboardTests {
    static var chromium: String? { which("chromium") ?? which("chromium-browser") }

    /// The DOM of `url` after its scripts ran; `extraArguments` go to Chromium (e.g. `--load-extension`).
    static func render(_ url: String, extraArguments: [String] = []) async throws -> String {
        guard let chromium else { throw TestError("no chromium") }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let result = try await run(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(profile.path)", "--virtual-time-budget=8000",
        ] + extraArguments + ["--dump-dom", url], limit: .seconds(60))
        return result.output
    }

    /// The text inside the element with `id`, tags stripped.
    static func text(of id: String, in dom: String) -> String? {
        guard let start = dom.range(of: "id=\"\(id)\"") else { return nil }
        guard let close = dom[start.upperBound...].firstIndex(of: ">") else { return nil }
        let rest = dom[dom.index(after: close)...]
        var depth = 0
        var output = ""
        var index = rest.startIndex
        while index < rest.endIndex {
            if rest[index...].hasPrefix("</") {
                if depth == 0 { break }
                depth -= 1
                index = rest[index...].firstIndex(of: ">").map { rest.index(after: $0) } ?? rest.endIndex
                continue
            }
            if rest[index] == "<" {
                let end = rest[index...].firstIndex(of: ">") ?? rest.endIndex
                if rest[rest.index(before: end)] != "/" { depth += 1 }
                index = end < rest.endIndex ? rest.index(after: end) : end
                continue
            }
            output.append(rest[index])
            index = rest.index(after: index)
        }
        return output.replacingOccurrences(of: "&amp;", with: "&").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.enabled(if: Self.chromium != nil || isCI, "chromium not installed (apt-get install chromium)"))
    func theDashboardShowsStatusTargetsAlertsAndConnection() async throws {
        try #require(Self.chromium != nil, "chromium is required under CI=true (apt-get install chromium)")
        let up = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let down = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let downPort = down.port
        try await OperationsHarness.with(yaml: """
            alerts: { interval: 50ms }
            admin: { sample_interval: 100ms }
            upstreams:
              app:
                targets: ["http://127.0.0.1:PORT0", "http://127.0.0.1:PORT1"]
                health_check: { path: /health, interval: 100ms, unhealthy_threshold: 1 }
            """, upstreams: [up, down], environment: ["BULWARK_ADMIN_TOKEN": "dash-token"]) { harness async throws in
            for _ in 0..<4 { _ = try await harness.proxy("/") }
            await down.stop()
            #expect(try await eventually {
                (try await harness.json("/api/alerts", token: "dash-token")["alerts"] as? [[String: Any]])?.isEmpty == false
            })
            let base = "http://127.0.0.1:\(harness.adminPort)/"
            let page = try await HTTPReply.fetch(.GET, base)
            #expect(page.status == 200)
            #expect(page.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
            for remote in ["src=\"http", "href=\"http", "url(http", "@import", "src=\"//", "href=\"//"] {
                #expect(!page.body.contains(remote), "the page must not load anything from the network: \(remote)")
            }

            let dom = try await Self.render(base + "#token=dash-token")
            #expect(Self.text(of: "status", in: dom) == "DEGRADED", "\(dom.prefix(3000))")
            #expect(Int(Self.text(of: "score", in: dom) ?? "") ?? 100 < 100)
            #expect(Self.text(of: "connection", in: dom) == "online")
            let targets = Self.text(of: "targets", in: dom) ?? ""
            #expect(targets.contains("127.0.0.1:\(up.port)"))
            #expect(targets.contains("127.0.0.1:\(downPort)"))
            #expect(targets.contains("unhealthy"))
            #expect((Self.text(of: "breakers", in: dom) ?? "").contains("closed"))
            #expect((Self.text(of: "alerts", in: dom) ?? "").contains("target_unavailable"))
            #expect(dom.contains("class=\"resolve\""))
            #expect(dom.contains("id=\"tls-section\" hidden"), "a plain listener shows no TLS card")
            for chart in ["chart-requests", "chart-latency", "chart-errors", "chart-ratelimit"] {
                #expect(dom.contains("id=\"\(chart)\""), "missing \(chart)")
            }
            #expect(dom.contains("<svg"))

            // A wrong token is rejected, visibly.
            let rejected = try await Self.render(base + "#token=wrong")
            #expect((Self.text(of: "auth-message", in: rejected) ?? "").contains("Token rejected"))
        }
    }
}
