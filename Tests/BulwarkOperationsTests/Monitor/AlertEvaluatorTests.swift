import BulwarkConfig
import BulwarkGateway
@testable import BulwarkOperations
import Foundation
import Testing

/// The evaluator with hand-built snapshots and dependency results, a manual `now`, no sockets.
@Suite struct AlertEvaluatorTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func dependency(
        _ name: String, kind: String = "postgres", critical: Bool = true, slowAfter: Duration? = nil,
        latency: Duration = .milliseconds(5), error: String? = nil, warning: String? = nil
    ) -> Observation.DependencyObservation {
        .init(name: name, kind: kind, critical: critical, slowAfter: slowAfter, latency: latency, error: error, warning: warning)
    }

    /// Evaluates `dependencies` at second `second`, returning "rule subject severity" of every change.
    static func step(_ evaluator: inout AlertEvaluator, _ second: Int, _ dependencies: [Observation.DependencyObservation]) -> [String] {
        evaluator.evaluate(GatewaySnapshot(), dependencies: dependencies, residentBytes: nil, now: .seconds(second), date: t0 + Double(second))
            .map { change in
                let alert = change.alert
                let verb = switch change {
                case .opened: "opened"
                case .severityChanged: "changed"
                case .resolved: "resolved"
                }
                return "\(verb) \(alert.rule) \(alert.subject) \(alert.severity.rawValue)"
            }
    }

    @Test func anUnreachableDependencyAlertsCriticalAndResolvesWhenItAnswersAgain() {
        var evaluator = AlertEvaluator(settings: AlertSettings(), idPrefix: "t-")
        #expect(Self.step(&evaluator, 0, [Self.dependency("database")]).isEmpty)
        let down = Self.step(&evaluator, 10, [Self.dependency("database", error: "connection refused")])
        #expect(down == ["opened dependency_unreachable database critical"])
        #expect(evaluator.book.openAlerts.first?.message == "database is unreachable: connection refused")
        // Non-critical checks alert the same way: unreachable is always critical.
        let vendor = Self.step(&evaluator, 20, [Self.dependency("database", error: "refused"), Self.dependency("vendor_api", kind: "http", critical: false, error: "HTTP 503")])
        #expect(vendor == ["opened dependency_unreachable vendor_api critical"])
        let back = Self.step(&evaluator, 30, [Self.dependency("database"), Self.dependency("vendor_api", kind: "http", critical: false)])
        #expect(Set(back) == ["resolved dependency_unreachable database critical", "resolved dependency_unreachable vendor_api critical"])
        #expect(evaluator.book.openAlerts.isEmpty)
    }

    @Test func aChecksOwnSlowThresholdReplacesTheWarningAndDoublesForTheError() {
        var settings = AlertSettings()
        settings.dependencyLatency = .init(warning: .seconds(1), error: .seconds(2))
        var evaluator = AlertEvaluator(settings: settings, idPrefix: "t-")
        // slow: 300ms → warning above 300 ms, error above max(600 ms, 2 s) = 2 s.
        #expect(Self.step(&evaluator, 0, [Self.dependency("db", slowAfter: .milliseconds(300), latency: .milliseconds(250))]).isEmpty)
        #expect(Self.step(&evaluator, 1, [Self.dependency("db", slowAfter: .milliseconds(300), latency: .milliseconds(400))]) == ["opened dependency_slow db warning"])
        #expect(Self.step(&evaluator, 2, [Self.dependency("db", slowAfter: .milliseconds(300), latency: .milliseconds(2100))]) == ["changed dependency_slow db error"])
        // slow: 3s → warning above 3 s, error above 6 s: 2.5 s is fine although above alerts' 2 s.
        #expect(Self.step(&evaluator, 3, [Self.dependency("db", slowAfter: .seconds(3), latency: .milliseconds(2500))]) == ["resolved dependency_slow db error"])
        #expect(Self.step(&evaluator, 4, [Self.dependency("db", slowAfter: .seconds(3), latency: .seconds(7))]) == ["opened dependency_slow db error"])
        // Without its own threshold a check follows alerts.dependency_latency.
        #expect(Self.step(&evaluator, 5, [Self.dependency("db", latency: .milliseconds(1500))]) == ["changed dependency_slow db warning"])
    }

    @Test func theSlowRuleCanBeSwitchedOffButUnreachableCannot() {
        var settings = AlertSettings()
        settings.dependencyLatency.enabled = false
        var evaluator = AlertEvaluator(settings: settings, idPrefix: "t-")
        #expect(Self.step(&evaluator, 0, [Self.dependency("db", slowAfter: .milliseconds(1), latency: .seconds(9))]).isEmpty)
        #expect(Self.step(&evaluator, 1, [Self.dependency("db", error: "timed out")]) == ["opened dependency_unreachable db critical"])
    }

    @Test func aDiskAboveItsThresholdsAlertsByHowCriticalItIs() {
        var evaluator = AlertEvaluator(settings: AlertSettings(), idPrefix: "t-")
        let warning = Self.step(&evaluator, 0, [
            Self.dependency("data", kind: "disk", warning: "85.0% of space used on /data (warning at 80%)"),
            Self.dependency("logs", kind: "disk", critical: false, error: "95.0% of space used on /logs (error at 90%)"),
        ])
        #expect(Set(warning) == ["opened disk_usage_high data warning", "opened disk_usage_high logs error"])
        let full = Self.step(&evaluator, 1, [
            Self.dependency("data", kind: "disk", error: "91.0% of space used on /data (error at 90%)"),
            Self.dependency("logs", kind: "disk", critical: false),
        ])
        #expect(Set(full) == ["changed disk_usage_high data critical", "resolved disk_usage_high logs error"])
        #expect(evaluator.book.openAlerts.first?.message == "data: 91.0% of space used on /data (error at 90%)")
    }

    @Test func aStaleBackupKeepsItsOwnRule() {
        var evaluator = AlertEvaluator(settings: AlertSettings(), idPrefix: "t-")
        let changes = Self.step(&evaluator, 0, [Self.dependency("backup", kind: "backup", critical: false, error: "last backup 3 days ago")])
        #expect(changes == ["opened backup_stale backup critical"])
    }

    @Test func theErrorRateWindowFollowsTheInjectedTime() {
        var settings = AlertSettings()
        settings.errorRate.window = .seconds(60)
        settings.errorRate.minimumRequests = 10
        var evaluator = AlertEvaluator(settings: settings, idPrefix: "t-")
        func snapshot(requests: UInt64, errors: UInt64) -> GatewaySnapshot {
            var snapshot = GatewaySnapshot()
            var statistics = RouteStatistics(route: "api")
            statistics.requests = requests
            statistics.serverErrors = errors
            snapshot.routeStatistics = [statistics]
            return snapshot
        }
        func step(_ second: Int, _ requests: UInt64, _ errors: UInt64) -> [String] {
            evaluator.evaluate(snapshot(requests: requests, errors: errors), dependencies: [], residentBytes: nil, now: .seconds(second), date: Self.t0 + Double(second))
                .map { change in
                    if case .resolved = change { return "resolved \(change.alert.rule) \(change.alert.subject)" }
                    return "\(change.alert.rule) \(change.alert.subject)"
                }
        }
        #expect(step(0, 0, 0).isEmpty)
        #expect(step(30, 100, 50) == ["error_rate_high api"])
        // At 95 s the window starts at the entry of 30 s: 100 clean requests since, so it resolves.
        #expect(step(95, 200, 50) == ["resolved error_rate_high api"])
        // At 160 s it starts at 95 s: 10 errors in 100 requests is above 5 %.
        #expect(step(160, 300, 60) == ["error_rate_high api"])
    }
}
