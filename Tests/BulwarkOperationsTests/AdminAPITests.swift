import BulwarkConfig
import BulwarkDemo
import BulwarkGateway
import BulwarkOperations
import Foundation
import Logging
import Synchronization
import Testing

/// The admin listener's security, `/metrics` (checked by the real `promtool`), circuits and the API.
@Suite(.timeLimit(.minutes(1)))
struct AdminAPITests {
    static let twoTargets = """
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0", "http://127.0.0.1:PORT1"]
        """

    @Test func theTokenIsRequiredEverywhereButLivenessAndReadiness() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let other = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: Self.twoTargets, upstreams: [app, other], environment: ["BULWARK_ADMIN_TOKEN": "s3cret-token"]) { harness async throws in
            #expect(try await harness.admin(.GET, "/health/live").status == 200)
            #expect(try await harness.admin(.GET, "/health/ready").status == 200)
            for path in ["/health", "/metrics", "/api/metrics", "/api/metrics/request_rate", "/api/performance", "/api/upstreams",
                         "/api/circuits", "/api/alerts", "/api/system", "/api/nothing"] {
                let anonymous = try await harness.admin(.GET, path)
                #expect(anonymous.status == 401, "\(path) without a token")
                #expect(anonymous.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true)
                #expect(try await harness.admin(.GET, path, token: "s3cret-tokeX").status == 401, "\(path) with a wrong token")
                #expect(try await harness.admin(.GET, path, token: "s3cret").status == 401, "\(path) with a prefix of the token")
            }
            #expect(try await harness.admin(.POST, "/api/circuits/app/open").status == 401)
            #expect(try await harness.admin(.GET, "/health", token: "s3cret-token").status == 200)
            #expect(try await harness.admin(.GET, "/api/system", token: "s3cret-token").status == 200)
            #expect(try await harness.admin(.GET, "/metrics", token: "s3cret-token").status == 200)
        }
    }

    @Test func aCustomTokenVariableIsHonoured() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: """
            admin: { token_env: MY_ADMIN_SECRET }
            upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
            """, upstreams: [app], environment: ["MY_ADMIN_SECRET": "abc", "BULWARK_ADMIN_TOKEN": "other"]) { harness async throws in
            #expect(try await harness.admin(.GET, "/api/system", token: "other").status == 401)
            #expect(try await harness.admin(.GET, "/api/system", token: "abc").status == 200)
        }
    }

    @Test func withoutATokenOnlyLoopbackMayBeBound() throws {
        var configuration = try BulwarkConfiguration.parse(yaml: "upstreams: { app: { targets: [\"http://127.0.0.1:1\"] } }")
        configuration.admin.listen = ListenAddress(host: "0.0.0.0", port: 0)
        let gateway = try Gateway(configuration: configuration)
        let refusal = #expect(throws: AdminListenerError.self) {
            _ = try AdminService(gateway: gateway, exporter: PrometheusExporter(), version: "t", configurationText: nil, configurationPath: nil, environment: [:])
        }
        let message = "\(refusal.map { "\($0)" } ?? "")"
        #expect(message.contains("BULWARK_ADMIN_TOKEN"))
        #expect(message.contains("0.0.0.0"))
        // With a token the same address is accepted.
        _ = try AdminService(gateway: gateway, exporter: PrometheusExporter(), version: "t", configurationText: nil, configurationPath: nil, environment: ["BULWARK_ADMIN_TOKEN": "x"])
        configuration.admin.listen = ListenAddress(host: "::1", port: 0)
        _ = try AdminService(gateway: try Gateway(configuration: configuration), exporter: PrometheusExporter(), version: "t", configurationText: nil, configurationPath: nil, environment: [:])
    }

    @Test func metricsAreValidPrometheusTextWithTheGatewaysSeries() async throws {
        let flakyCount = Counter()
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let flaky = try await DemoUpstream.start { _ in flakyCount.next() % 2 == 1 ? DemoReply(status: 503) : DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: """
            rate_limits:
              tight: { requests: 2, per: 1m }
            upstreams:
              app: { targets: ["http://127.0.0.1:PORT0", "http://127.0.0.1:PORT1"], outlier_detection: { enabled: false } }
            routes:
              - { path_prefix: /limited, upstream: app, rate_limits: [tight] }
              - { path_prefix: /, upstream: app }
            """, upstreams: [app, flaky]) { harness async throws in
            for _ in 0..<6 { _ = try await harness.proxy("/items") }
            var limited = 0
            for _ in 0..<4 where try await harness.proxy("/limited").status == 429 { limited += 1 }
            #expect(limited == 2)
            let metrics = try await harness.admin(.GET, "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers.first(name: "Content-Type")?.hasPrefix("text/plain") == true)
            let text = metrics.body
            #expect(text.contains(#"bulwark_http_requests_total{route="/",method="GET",status="200"} 6"#))
            #expect(text.contains(#"bulwark_http_requests_total{route="/limited",method="GET",status="429"} 2"#))
            #expect(text.contains("# TYPE bulwark_http_request_duration_seconds histogram"))
            #expect(text.contains(#"bulwark_http_request_duration_seconds_count{route="/"} 6"#))
            #expect(text.contains(#"bulwark_upstream_target_healthy{upstream="app",target="127.0.0.1:\#(app.port)"} 1"#))
            #expect(text.contains(#"bulwark_upstream_circuit_breaker_state{upstream="app",target="127.0.0.1:\#(app.port)",state="closed"} 1"#))
            #expect(text.contains(#"bulwark_http_rate_limit_decisions_total{route="/limited",decision="rejected"} 2"#))
            #expect(text.contains(#"bulwark_upstream_retries_total{upstream="app"}"#))
            #expect(!text.contains(#"bulwark_upstream_retries_total{upstream="app"} 0"#))
            #expect(text.contains("bulwark_process_resident_memory_bytes "))
            #expect(text.contains("bulwark_process_cpu_seconds_total "))
            #expect(text.contains("bulwark_ready 1"))
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(line.hasPrefix("bulwark_"), "unprefixed series: \(line)")
            }
            guard let promtool = which("promtool") else {
                if isCI { Issue.record("promtool is required under CI=true (apt-get install prometheus)") }
                print("⚠️  SKIPPED promtool check: promtool not installed (apt-get install prometheus)")
                return
            }
            let check = try await run(promtool, ["check", "metrics"], input: text)
            #expect(check.status == 0, "promtool check metrics: \(check.output)")
        }
    }

    @Test func circuitsCanBeOpenedClosedAndResetByHand() async throws {
        let first = try await DemoUpstream.start { _ in DemoReply(body: "first") }
        let second = try await DemoUpstream.start { _ in DemoReply(body: "second") }
        try await OperationsHarness.with(yaml: Self.twoTargets, upstreams: [first, second]) { harness async throws in
            let circuits = try await harness.json("/api/circuits")["circuits"] as? [[String: Any]] ?? []
            #expect(circuits.count == 2)
            #expect(circuits.allSatisfy { $0["state"] as? String == "closed" })
            let name = "app/127.0.0.1:\(first.port)"
            let opened = try await harness.admin(.POST, "/api/circuits/\(name)/open")
            #expect(opened.status == 200)
            #expect((try opened.object()["circuits"] as? [[String: Any]])?.first?["state"] as? String == "forced_open")
            for _ in 0..<6 { #expect(try await harness.proxy("/").body == "second") }
            let upstreams = try await harness.json("/api/upstreams")["upstreams"] as? [[String: Any]]
            #expect(upstreams?.first?["healthy_targets"] as? Int == 1)

            // Percent-encoded names work too.
            #expect(try await harness.admin(.POST, "/api/circuits/app%2F127.0.0.1%3A\(first.port)/close").status == 200)
            var bodies: Set<String> = []
            for _ in 0..<6 { bodies.insert(try await harness.proxy("/").body) }
            #expect(bodies == ["first", "second"])

            // The upstream's name acts on all its targets.
            #expect(try await harness.admin(.POST, "/api/circuits/app/open").status == 200)
            #expect(try await harness.proxy("/").status == 503)
            #expect(try await harness.admin(.GET, "/health/ready").status == 503)
            #expect(try await harness.admin(.POST, "/api/circuits/app/reset").status == 200)
            #expect(try await harness.proxy("/").status == 200)

            #expect(try await harness.admin(.POST, "/api/circuits/nope/open").status == 404)
            #expect(try await harness.admin(.POST, "/api/circuits/app/explode").status == 404)
            #expect(try await harness.admin(.GET, "/api/circuits/app/open").status == 405)
        }
    }

    @Test func snapshotHistoryPerformanceAndSystemDescribeTheTraffic() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: """
            admin: { sample_interval: 50ms }
            upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
            """, upstreams: [app]) { harness async throws in
            for _ in 0..<5 { _ = try await harness.proxy("/x") }
            #expect(try await eventually { (try await harness.json("/api/metrics")["requests_total"] as? Int) == 5 })
            let snapshot = try await harness.json("/api/metrics")
            for key in ["request_rate", "error_rate", "in_flight", "latency_p95_ms", "rss_bytes", "cpu_percent", "health_score", "open_alerts"] {
                #expect(snapshot[key] is NSNumber, "missing \(key)")
            }
            #expect((snapshot["rss_bytes"] as? Double ?? 0) > 1_000_000)

            #expect(try await eventually {
                let history = try await harness.json("/api/metrics/requests_total?window=1h")
                return (history["samples"] as? [[String: Any]])?.contains { $0["value"] as? Int == 5 } == true
            })
            let history = try await harness.json("/api/metrics/requests_total?window=1h")
            #expect(history["name"] as? String == "requests_total")
            #expect(history["window_seconds"] as? Int == 3600)
            #expect(try await harness.admin(.GET, "/api/metrics/no_such_metric").status == 404)
            #expect(try await harness.admin(.GET, "/api/metrics/requests_total?window=forever").status == 400)

            let performance = try await harness.json("/api/performance")
            let route = try #require((performance["routes"] as? [[String: Any]])?.first { $0["route"] as? String == "/" })
            #expect(route["count"] as? Int == 5)
            #expect(route["errors"] as? Int == 0)
            let p50 = route["p50_ms"] as? Double ?? -1
            let p99 = route["p99_ms"] as? Double ?? -1
            #expect(p50 > 0 && p50 <= p99)

            let system = try await harness.json("/api/system")
            #expect(system["version"] as? String == "test")
            #expect(system["pid"] as? Int == Int(getpid()))
            #expect((system["config_hash"] as? String)?.hasPrefix("sha256:") == true)
            #expect((system["open_files"] as? Int ?? 0) > 0)
            #expect(system["uptime_seconds"] is NSNumber)
            #expect(try await harness.admin(.DELETE, "/api/system").status == 405)
        }
    }
}

/// Counts calls, safely from any thread.
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    @discardableResult func next() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue + 1 }
}
