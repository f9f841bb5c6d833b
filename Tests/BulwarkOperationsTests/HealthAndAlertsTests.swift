import BulwarkDemo
import Foundation
import Synchronization
import Testing

/// Through a real gateway with real upstreams: target failure and recovery as seen by `/health`, the
/// alerts and a real webhook receiver; readiness when everything is down.
@Suite(.timeLimit(.minutes(1)))
struct HealthAndAlertsTests {
    static func yaml(webhook: Bool = true) -> String {
        """
        alerts: { interval: 50ms\(webhook ? ", webhooks: [\"http://127.0.0.1:PORT0/hook\"]" : "") }
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT1", "http://127.0.0.1:PORT2"]
            health_check: { path: /health, interval: 100ms, timeout: 500ms, unhealthy_threshold: 1, healthy_threshold: 1 }
        """
    }

    static func status(_ harness: OperationsHarness) async throws -> String {
        try await harness.json("/health")["status"] as? String ?? "?"
    }

    static func alerts(_ harness: OperationsHarness) async throws -> [[String: Any]] {
        try await harness.json("/api/alerts")["alerts"] as? [[String: Any]] ?? []
    }

    @Test func killedTargetDegradesHealthOpensAnAlertAndCallsTheWebhookThenRecovers() async throws {
        let inbox = Inbox()
        let receiver = try await DemoUpstream.start { request in
            inbox.add(String(decoding: request.bodyPrefix, as: UTF8.self))
            return DemoReply(status: 200)
        }
        let steady = try await DemoUpstream.start { _ in DemoReply(body: "steady") }
        // "Killed" = every connection is dropped unanswered; reviving it keeps its port (no rebind race).
        let dead = Atomic<Bool>(false)
        let doomed = try await DemoUpstream.start { _ in dead.load(ordering: .relaxed) ? DemoReply(dropConnection: true) : DemoReply(body: "doomed") }
        let doomedPort = doomed.port
        let subject = "app/127.0.0.1:\(doomedPort)"
        try await OperationsHarness.with(yaml: Self.yaml(), upstreams: [receiver, steady, doomed]) { harness async throws in
            #expect(try await eventually { try await Self.status(harness) == "HEALTHY" })
            let healthy = try await harness.json("/health")
            #expect(healthy["score"] as? Int == 100)
            #expect((healthy["checks"] as? [[String: Any]])?.count == 2)

            dead.store(true, ordering: .relaxed)
            #expect(try await eventually { try await Self.status(harness) == "DEGRADED" })
            let degraded = try await harness.json("/health")
            let checks = degraded["checks"] as? [[String: Any]] ?? []
            let failing = checks.first { $0["name"] as? String == subject }
            #expect(failing?["status"] as? String == "unhealthy")
            #expect((degraded["score"] as? Int ?? 100) < 100)
            #expect(try await harness.admin(.GET, "/health/ready").status == 200)   // one target still serves

            #expect(try await eventually {
                try await Self.alerts(harness).contains { $0["rule"] as? String == "target_unavailable" && $0["subject"] as? String == subject && $0["status"] as? String == "open" }
            })
            #expect(try await eventually { inbox.payloads.contains { $0["status"] as? String == "firing" } })
            let firing = try #require(inbox.payloads.first { $0["status"] as? String == "firing" })
            #expect(firing["version"] as? String == "4")
            #expect((firing["text"] as? String)?.contains(subject) == true)
            let entry = try #require((firing["alerts"] as? [[String: Any]])?.first)
            let labels = entry["labels"] as? [String: String] ?? [:]
            #expect(labels["alertname"] == "target_unavailable")
            #expect(labels["severity"] == "warning")
            #expect(entry["startsAt"] is String)
            #expect(entry["endsAt"] as? String == "0001-01-01T00:00:00Z")
            #expect((entry["annotations"] as? [String: String])?["description"]?.isEmpty == false)

            dead.store(false, ordering: .relaxed)
            #expect(try await eventually { try await Self.status(harness) == "HEALTHY" })
            #expect(try await eventually {
                try await Self.alerts(harness).contains { $0["subject"] as? String == subject && $0["status"] as? String == "resolved" && $0["resolved_by"] as? String == "auto" }
            })
            #expect(try await eventually { inbox.payloads.contains { $0["status"] as? String == "resolved" } })
            let resolved = try #require(inbox.payloads.first { $0["status"] as? String == "resolved" })
            let endsAt = (resolved["alerts"] as? [[String: Any]])?.first?["endsAt"] as? String
            #expect(endsAt != nil && endsAt != "0001-01-01T00:00:00Z")
        }
    }

    @Test func allTargetsDownMakesReadinessFailAndHealthUnhealthy() async throws {
        let one = try await DemoUpstream.start { _ in DemoReply(body: "1") }
        let two = try await DemoUpstream.start { _ in DemoReply(body: "2") }
        let receiver = try await DemoUpstream.start { _ in DemoReply(status: 200) }
        try await OperationsHarness.with(yaml: Self.yaml(webhook: false), upstreams: [receiver, one, two]) { harness async throws in
            #expect(try await eventually { try await harness.admin(.GET, "/health/ready").status == 200 })
            await one.stop()
            await two.stop()
            #expect(try await eventually { try await harness.admin(.GET, "/health/ready").status == 503 })
            let health = try await harness.admin(.GET, "/health")
            #expect(health.status == 503)
            let report = try health.object()
            #expect(report["status"] as? String == "UNHEALTHY")
            #expect(report["ready"] as? Bool == false)
            #expect((report["score"] as? Int ?? 100) <= 40)
            #expect(try await harness.admin(.GET, "/health/live").status == 200)
            #expect(try await eventually {
                try await Self.alerts(harness).contains { $0["rule"] as? String == "no_healthy_target" && $0["severity"] as? String == "critical" && $0["status"] as? String == "open" }
            })
            #expect(try await harness.proxy("/").status == 503)
        }
    }

    @Test func aResolvedByHandAlertStaysResolvedWhileItsConditionHolds() async throws {
        let inbox = Inbox()
        let receiver = try await DemoUpstream.start { request in
            inbox.add(String(decoding: request.bodyPrefix, as: UTF8.self))
            return DemoReply(status: 200)
        }
        let steady = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let doomed = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: Self.yaml(), upstreams: [receiver, steady, doomed]) { harness async throws in
            await doomed.stop()
            #expect(try await eventually { try await Self.alerts(harness).contains { $0["status"] as? String == "open" } })
            let open = try #require(try await Self.alerts(harness).first { $0["status"] as? String == "open" })
            let id = try #require(open["id"] as? String)
            let resolved = try await harness.admin(.POST, "/api/alerts/\(id)/resolve")
            #expect(resolved.status == 200)
            let alert = try resolved.object()["alert"] as? [String: Any]
            #expect(alert?["status"] as? String == "resolved")
            #expect(alert?["resolved_by"] as? String == "manual")
            #expect(try await eventually { inbox.payloads.contains { $0["status"] as? String == "resolved" } })
            // Several evaluations later the condition still holds, and nothing reopened.
            for _ in 0..<8 { harness.admin.monitor.evaluate() }
            #expect(try await Self.alerts(harness).contains { $0["status"] as? String == "open" } == false)
            #expect(try await harness.admin(.POST, "/api/alerts/nope/resolve").status == 404)
            #expect(try await harness.admin(.GET, "/api/alerts/\(id)/resolve").status == 405)
        }
    }

    @Test func aFailingRouteRaisesTheErrorRateAlert() async throws {
        let broken = try await DemoUpstream.start { _ in DemoReply(status: 500, body: "boom") }
        try await OperationsHarness.with(yaml: """
            alerts: { interval: 50ms, error_rate: { warning: 5%, min_requests: 5, window: 30s } }
            upstreams:
              app: { targets: ["http://127.0.0.1:PORT0"], outlier_detection: { enabled: false }, circuit_breaker: { enabled: false } }
            routes:
              - { path_prefix: /api, upstream: app }
            """, upstreams: [broken]) { harness async throws in
            for _ in 0..<10 { _ = try await harness.proxy("/api/x") }
            #expect(try await eventually {
                try await Self.alerts(harness).contains { $0["rule"] as? String == "error_rate_high" && $0["subject"] as? String == "/api" }
            })
            let performance = try await harness.json("/api/performance")
            let route = (performance["routes"] as? [[String: Any]])?.first { $0["route"] as? String == "/api" }
            #expect(route?["count"] as? Int == 10)
            #expect(route?["errors"] as? Int == 10)
            #expect(route?["error_rate"] as? Double == 1.0)
        }
    }
}
