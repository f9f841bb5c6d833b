import BulwarkConfig
import BulwarkGateway
@testable import BulwarkOperations
import Foundation
import Testing

/// `/health` and readiness from hand-built snapshots: what critical and non-critical checks do.
@Suite struct HealthReporterTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func servingSnapshot() -> GatewaySnapshot {
        var snapshot = GatewaySnapshot()
        snapshot.upstreamNames = ["app"]
        snapshot.targets = [.init(upstream: "app", target: "127.0.0.1:8081", serving: true, ejected: false, activelyHealthy: true, breaker: .closed)]
        snapshot.routes = [.init(route: "/", upstream: "app", servable: true)]
        return snapshot
    }

    static func report(_ dependencies: [Observation.DependencyObservation], snapshot: GatewaySnapshot = servingSnapshot()) -> HealthReport {
        HealthReporter.report(snapshot, dependencies: dependencies, openAlerts: [], settings: AlertSettings(), version: "t", startedAt: t0, date: t0 + 5)
    }

    static func dependency(_ name: String, critical: Bool, latency: Duration = .milliseconds(3), error: String? = nil, warning: String? = nil, slowAfter: Duration? = nil) -> Observation.DependencyObservation {
        .init(name: name, kind: "postgres", critical: critical, slowAfter: slowAfter, latency: latency, error: error, warning: warning, detail: "SELECT 1 returned 1")
    }

    @Test func passingChecksAreHealthyAndShowWhatTheySaw() throws {
        let report = Self.report([Self.dependency("database", critical: true)])
        #expect(report.status == .healthy)
        #expect(report.ready)
        let check = try #require(report.checks.first { $0.name == "database" })
        #expect(check.status == .healthy)
        #expect(check.critical)
        #expect(check.message == "SELECT 1 returned 1")
        #expect(check.latencyMs == 3)
        #expect(report.uptimeSeconds == 5)
    }

    @Test func aFailingCriticalCheckMakesTheInstanceUnhealthyAndNotReady() throws {
        let dependencies = [Self.dependency("database", critical: true, error: "connection refused"), Self.dependency("cache", critical: false)]
        let report = Self.report(dependencies)
        #expect(report.status == .unhealthy)
        #expect(report.score <= 40)
        #expect(!report.ready)
        #expect(HealthReporter.failingCriticalChecks(dependencies) == ["database"])
        #expect(!HealthReporter.isReady(Self.servingSnapshot(), dependencies: dependencies))
        let check = try #require(report.checks.first { $0.name == "database" })
        #expect(check.status == .unhealthy)
        #expect(check.message == "connection refused")
    }

    @Test func aFailingNonCriticalCheckOnlyDegradesAndReadinessStays() throws {
        let dependencies = [Self.dependency("database", critical: true), Self.dependency("vendor_api", critical: false, error: "HTTP 503, expected 2xx")]
        let report = Self.report(dependencies)
        #expect(report.status == .degraded)
        #expect(report.ready)
        #expect(HealthReporter.isReady(Self.servingSnapshot(), dependencies: dependencies))
        #expect(report.checks.first { $0.name == "vendor_api" }?.status == .unhealthy)
    }

    @Test func warningsAndSlowAnswersDegradeACriticalCheckWithoutFailingIt() throws {
        let report = Self.report([
            Self.dependency("data_disk", critical: true, warning: "85.0% of space used on /data (warning at 80%)"),
            Self.dependency("database", critical: true, latency: .milliseconds(400), slowAfter: .milliseconds(300)),
            Self.dependency("replica", critical: true, latency: .milliseconds(400)),
        ])
        #expect(report.status == .degraded)
        #expect(report.ready)
        #expect(report.checks.first { $0.name == "data_disk" }?.status == .degraded)
        #expect(report.checks.first { $0.name == "data_disk" }?.message == "85.0% of space used on /data (warning at 80%)")
        #expect(report.checks.first { $0.name == "database" }?.status == .degraded)
        // Without its own `slow`, 400 ms is under alerts.dependency_latency.warning (1 s).
        #expect(report.checks.first { $0.name == "replica" }?.status == .healthy)
    }

    @Test func drainingOrAnUnservableRouteIsNotReadyWhateverTheChecks() {
        var draining = Self.servingSnapshot()
        draining.draining = true
        #expect(!HealthReporter.isReady(draining, dependencies: []))
        var unservable = Self.servingSnapshot()
        unservable.routes[0].servable = false
        #expect(!HealthReporter.isReady(unservable, dependencies: []))
        #expect(Self.report([], snapshot: unservable).status == .unhealthy)
    }

    @Test func theCriticalFlagIsInTheJSON() throws {
        let report = Self.report([Self.dependency("database", critical: true, error: "down")])
        let data = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let checks = try #require(object["checks"] as? [[String: Any]])
        let database = try #require(checks.first { $0["name"] as? String == "database" })
        #expect(database["critical"] as? Bool == true)
        #expect(database["status"] as? String == "unhealthy")
        #expect(checks.first { $0["kind"] as? String == "target" }?["critical"] as? Bool == false)
    }
}
