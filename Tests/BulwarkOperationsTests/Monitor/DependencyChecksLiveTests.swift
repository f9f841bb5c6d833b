import BulwarkDemo
import BulwarkTestSupport
import Foundation
import Synchronization
import Testing

/// `health.checks` through a real gateway and admin listener: real HTTP servers, a closed port, a
/// real PostgreSQL and Redis, a real directory; what `/health`, `/health/ready`, the alerts,
/// `/metrics` and `/api/system` show as they fail and recover.
@Suite(.timeLimit(.minutes(1)))
struct DependencyChecksLiveTests {
    static func check(_ harness: OperationsHarness, _ name: String) async throws -> [String: Any]? {
        let checks = try await harness.json("/health")["checks"] as? [[String: Any]] ?? []
        return checks.first { $0["name"] as? String == name }
    }

    static func openAlert(_ harness: OperationsHarness, rule: String, subject: String) async throws -> Bool {
        let alerts = try await harness.json("/api/alerts")["alerts"] as? [[String: Any]] ?? []
        return alerts.contains { $0["rule"] as? String == rule && $0["subject"] as? String == subject && $0["status"] as? String == "open" }
    }

    @Test func httpAndTCPChecksDecideHealthAndReadinessByHowCriticalTheyAre() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "app") }
        let vendorDown = Atomic<Bool>(false)
        let vendor = try await DemoUpstream.start { request in
            vendorDown.load(ordering: .relaxed) ? DemoReply(status: 503, body: "maintenance") : DemoReply(body: "ok")
        }
        let closedPort = try RedisServer.freePort()
        let yaml = """
            alerts: { interval: 50ms }
            upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
            health:
              checks:
                - { name: vendor_api, http: "http://127.0.0.1:PORT1/status", expect_status: [200], critical: true, interval: 100ms, timeout: 1s }
                - { name: smtp, tcp: "127.0.0.1:\(closedPort)", critical: false, interval: 100ms, timeout: 1s }
            """
        try await OperationsHarness.with(yaml: yaml, upstreams: [app, vendor]) { harness async throws in
            // A failing non-critical check: DEGRADED, still ready, and an alert.
            #expect(try await eventually { try await Self.check(harness, "smtp")?["status"] as? String == "unhealthy" })
            #expect(try await eventually { try await Self.check(harness, "vendor_api")?["status"] as? String == "healthy" })
            let degraded = try await harness.admin(.GET, "/health")
            #expect(degraded.status == 200)
            #expect(try degraded.object()["status"] as? String == "DEGRADED")
            let smtp = try #require(try await Self.check(harness, "smtp"))
            #expect(smtp["kind"] as? String == "tcp")
            #expect(smtp["critical"] as? Bool == false)
            #expect((smtp["message"] as? String ?? "").contains("refused"))
            #expect(try await harness.admin(.GET, "/health/ready").status == 200)
            #expect(try await eventually { try await Self.openAlert(harness, rule: "dependency_unreachable", subject: "smtp") })
            let vendorCheck = try #require(try await Self.check(harness, "vendor_api"))
            #expect(vendorCheck["message"] as? String == "HTTP 200")
            #expect(vendorCheck["latency_ms"] is Double)

            // The critical one fails: UNHEALTHY, 503, and readiness names it.
            vendorDown.store(true, ordering: .relaxed)
            #expect(try await eventually { try await harness.admin(.GET, "/health").status == 503 })
            let unhealthy = try await harness.json("/health")
            #expect(unhealthy["status"] as? String == "UNHEALTHY")
            let failing = try await Self.check(harness, "vendor_api")
            #expect(failing?["message"] as? String == "HTTP 503, expected 200", "\(String(describing: failing))")
            let ready = try await harness.admin(.GET, "/health/ready")
            #expect(ready.status == 503)
            #expect(try ready.object()["failing_checks"] as? [String] == ["vendor_api"])
            let metrics = try await harness.admin(.GET, "/metrics").body
            #expect(metrics.contains(#"bulwark_dependency_up{name="vendor_api"} 0"#))
            #expect(metrics.contains(#"bulwark_dependency_up{name="smtp"} 0"#))
            #expect(metrics.contains(#"bulwark_dependency_latency_seconds{name="vendor_api"}"#))
            #expect(metrics.contains("bulwark_ready 0"))

            // It recovers: ready again, and its alert resolves.
            vendorDown.store(false, ordering: .relaxed)
            #expect(try await eventually { try await harness.admin(.GET, "/health/ready").status == 200 })
            #expect(try await eventually { try await Self.openAlert(harness, rule: "dependency_unreachable", subject: "vendor_api") == false })
            #expect(try await eventually { try await harness.admin(.GET, "/metrics").body.contains(#"bulwark_dependency_up{name="vendor_api"} 1"#) })
        }
    }

    @Test func aDiskCheckAndTheHostFiguresAppearInSystemAndMetrics() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "app") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-disk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Any filesystem in use is at or above 0 %: the check warns, and never fails below 100 %.
        let yaml = """
            upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
            health:
              checks:
                - { name: data_disk, disk: \(directory.path), warning: 0%, error: 100%, critical: true, interval: 100ms }
            """
        try await OperationsHarness.with(yaml: yaml, upstreams: [app]) { harness async throws in
            #expect(try await eventually { try await Self.check(harness, "data_disk")?["status"] as? String == "degraded" })
            #expect((try await Self.check(harness, "data_disk")?["message"] as? String ?? "").contains("of space used on \(directory.path)"))
            #expect(try await harness.json("/health")["status"] as? String == "DEGRADED")
            #expect(try await harness.admin(.GET, "/health/ready").status == 200)
            #expect(try await eventually { try await Self.openAlert(harness, rule: "disk_usage_high", subject: "data_disk") })

            let system = try await harness.json("/api/system")
            let interfaces = system["network"] as? [[String: Any]] ?? []
            let loopback = try #require(interfaces.first { $0["name"] as? String == "lo" })
            #expect((loopback["receive_bytes"] as? Int ?? 0) > 0)
            let directories = system["directories"] as? [[String: Any]] ?? []
            let disk = try #require(directories.first { $0["label"] as? String == "data_disk" })
            #expect(disk["path"] as? String == directory.path)
            let ratio = try #require(disk["used_ratio"] as? Double)
            #expect((0...1).contains(ratio))

            let metrics = try await harness.admin(.GET, "/metrics").body
            #expect(metrics.contains(#"bulwark_host_network_receive_bytes_total{interface="lo"}"#))
            #expect(metrics.contains(#"bulwark_directory_filesystem_used_ratio{directory="data_disk",path="\#(directory.path)"}"#))
            #expect(metrics.contains(#"bulwark_dependency_up{name="data_disk"} 1"#))
        }
    }

    @Test(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed"))
    func aCriticalPostgresCheckFollowsTheRealServer() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "app") }
        let postgres = try await PostgresServer.start()
        defer { postgres.stop() }
        let yaml = """
            alerts: { interval: 50ms }
            upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
            health:
              checks:
                - { name: database, postgres: "\(postgres.url())", critical: true, interval: 100ms, timeout: 1s }
                - { name: missing_db, postgres: "\(postgres.url(database: "nope"))", critical: false, interval: 100ms, timeout: 1s }
            """
        try await OperationsHarness.with(yaml: yaml, upstreams: [app]) { harness async throws in
            #expect(try await eventually { try await Self.check(harness, "database")?["status"] as? String == "healthy" })
            #expect(try await Self.check(harness, "database")?["kind"] as? String == "postgres")
            #expect(try await eventually { try await Self.check(harness, "missing_db")?["status"] as? String == "unhealthy" })
            #expect((try await Self.check(harness, "missing_db")?["message"] as? String ?? "").contains(#"database "nope" does not exist"#))
            #expect(try await harness.admin(.GET, "/health").status == 200)

            postgres.stop()
            #expect(try await eventually { try await harness.admin(.GET, "/health").status == 503 })
            #expect(try await harness.json("/health")["status"] as? String == "UNHEALTHY")
            #expect(try await harness.admin(.GET, "/health/ready").status == 503)
            #expect(try await eventually { try await Self.openAlert(harness, rule: "dependency_unreachable", subject: "database") })
        }
    }

    @Test(.enabled(if: RedisServer.shouldRun, "redis-server is not installed"))
    func aNonCriticalRedisCheckDegradesWhileRedisIsDownAndRecovers() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "app") }
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let yaml = """
            alerts: { interval: 50ms }
            upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
            health:
              checks:
                - { name: cache, redis: "\(redis.url)", critical: false, interval: 100ms, timeout: 500ms }
            """
        try await OperationsHarness.with(yaml: yaml, upstreams: [app]) { harness async throws in
            #expect(try await eventually { try await Self.check(harness, "cache")?["status"] as? String == "healthy" })
            #expect(try await harness.json("/health")["status"] as? String == "HEALTHY")
            let cache = try await Self.check(harness, "cache")
            #expect(cache?["message"] as? String == "reachable", "\(String(describing: cache))")
            redis.kill()
            #expect(try await eventually { try await Self.check(harness, "cache")?["status"] as? String == "unhealthy" })
            #expect(try await harness.admin(.GET, "/health").status == 200)
            #expect(try await harness.json("/health")["status"] as? String == "DEGRADED")
            #expect(try await harness.admin(.GET, "/health/ready").status == 200)
            try await redis.launch()
            #expect(try await eventually { try await Self.check(harness, "cache")?["status"] as? String == "healthy" })
        }
    }
}
