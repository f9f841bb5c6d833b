import BulwarkConfig
import BulwarkSupervisor
import Foundation

/// The pure part of `/health` and `/health/ready`: from a gateway snapshot, the dependency results and
/// the open alerts to a report. No I/O, no clock.
public enum HealthReporter {
    /// What `GET /health` answers at `date`.
    public static func report(
        _ snapshot: GatewaySnapshot, dependencies: [Observation.DependencyObservation], processes: [ProcessGroupStatus] = [],
        openAlerts: [AlertSeverity], settings: AlertSettings, version: String, startedAt: Date, date: Date
    ) -> HealthReport {
        var observation = Observation(snapshot, dependencies: dependencies, at: date)
        observation.processes = processes
        let checks = HealthScoring.checks(for: observation, slowAfter: settings.dependencyLatency.warning)
        let (status, score) = HealthScoring.evaluate(checks: checks, routesServable: snapshot.routesServable, draining: snapshot.draining, openAlerts: openAlerts)
        return HealthReport(
            status: status, score: score, ready: isReady(snapshot, dependencies: dependencies), draining: snapshot.draining,
            version: version, uptimeSeconds: date.timeIntervalSince(startedAt), checkedAt: date, checks: checks,
            tls: HealthScoring.tls(for: observation)
        )
    }

    /// The critical dependency checks failing now, by name: each makes the instance not ready.
    public static func failingCriticalChecks(_ dependencies: [Observation.DependencyObservation]) -> [String] {
        dependencies.filter { $0.critical && $0.error != nil }.map(\.name)
    }

    /// Whether `/health/ready` answers 200: not draining, every route has a target able to serve, and
    /// no critical dependency check fails (a non-critical one never matters here).
    public static func isReady(_ snapshot: GatewaySnapshot, dependencies: [Observation.DependencyObservation]) -> Bool {
        !snapshot.draining && snapshot.routesServable && failingCriticalChecks(dependencies).isEmpty
    }
}
