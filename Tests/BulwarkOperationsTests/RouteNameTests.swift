import BulwarkDemo
import Foundation
import Testing

/// Named routes in the admin API, `/metrics` and the dashboard: two routes on one prefix show apart.
@Suite("Route names in the admin API", .timeLimit(.minutes(2)))
struct RouteNameTests {
    static let yaml = """
        upstreams:
          app: { targets: ["http://127.0.0.1:PORT0"] }
        routes:
          - { name: api-read, path_prefix: /api, methods: [GET], upstream: app }
          - { name: api-write, path_prefix: /api, methods: [POST], upstream: app }
          - { path_prefix: /, upstream: app }
        """

    @Test("/api/performance, readiness and /metrics label routes by name, or else by prefix")
    func adminShowsNames() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: Self.yaml, upstreams: [app]) { harness async throws in
            for _ in 0..<3 { #expect(try await harness.proxy("/api/items").status == 200) }
            for _ in 0..<2 { #expect(try await HTTPReply.fetch(.POST, "http://127.0.0.1:\(harness.port)/api/items").status == 200) }
            #expect(try await harness.proxy("/other").status == 200)

            let performance = try await harness.json("/api/performance")
            let rows = try #require(performance["routes"] as? [[String: Any]])
            #expect(rows.compactMap { $0["route"] as? String } == ["api-read", "api-write", "/"])
            #expect(rows.compactMap { $0["count"] as? Int } == [3, 2, 1])

            let readiness = try await harness.json("/health/ready")
            let routes = try #require(readiness["routes"] as? [[String: Any]])
            #expect(routes.compactMap { $0["route"] as? String } == ["api-read", "api-write", "/"])

            let metrics = try await harness.admin(.GET, "/metrics").body
            #expect(metrics.contains("bulwark_http_requests_total{route=\"api-read\",method=\"GET\",status=\"200\"} 3"), "\(metrics)")
            #expect(metrics.contains("bulwark_http_requests_total{route=\"api-write\",method=\"POST\",status=\"200\"} 2"))
            #expect(metrics.contains("bulwark_http_request_duration_seconds_count{route=\"api-read\"} 3"))
            #expect(!metrics.contains("route=\"/api\""), "no series carries the shared prefix")
        }
    }

    @Test("the dashboard's performance table shows the names", .enabled(if: DashboardTests.chromium != nil || isCI, "chromium not installed (apt-get install chromium)"))
    func theDashboardShowsNames() async throws {
        try #require(DashboardTests.chromium != nil, "chromium is required under CI=true (apt-get install chromium)")
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: Self.yaml, upstreams: [app]) { harness async throws in
            _ = try await harness.proxy("/api/items")
            _ = try await HTTPReply.fetch(.POST, "http://127.0.0.1:\(harness.port)/api/items")
            let dom = try await DashboardTests.render("http://127.0.0.1:\(harness.adminPort)/")
            let table = DashboardTests.text(of: "performance", in: dom) ?? ""
            #expect(table.contains("api-read"), "\(table)")
            #expect(table.contains("api-write"), "\(table)")
        }
    }
}
