import BulwarkConfig
import Foundation

/// The built-in alert rules: pure functions from an ``Observation`` to the conditions that hold.
///
/// | rule | subject | severity |
/// | --- | --- | --- |
/// | `memory_high` | `process` | warning above `alerts.memory.warning`, error above `.error` |
/// | `dependency_slow` | dependency or target | warning / error above `alerts.dependency_latency` (a check's `slow` replaces the warning threshold; the error one is then at least twice it) |
/// | `dependency_unreachable` | dependency (`redis`, `health.checks`) | critical |
/// | `dependency_degraded` | dependency | warning (it answered with a warning) |
/// | `disk_usage_high` | `disk` check | warning at its `warning` threshold; at `error` (or unreadable) critical for a critical check, error otherwise |
/// | `error_rate_high` | route | warning above `alerts.error_rate.warning` |
/// | `target_unavailable` | `upstream/host:port` | warning |
/// | `no_healthy_target` | upstream | critical |
/// | `backup_stale` | `backup` | critical (the last successful backup is older than the schedule allows) |
/// | `certificate_expiring` | the certificate's hosts | warning within 14 days, error within 3 days or expired (see ``certificateConditions(for:)``) |
/// | `process_crash_loop` | `group.slot` | critical: the slot restarted more than `restart.max_restarts` times within `restart.window` and was given up (see ``processConditions(for:)``) |
/// | `process_memory_restart` | group | warning for 10 minutes after an instance was replaced for exceeding `max_memory` |
/// | `upstream_credentials_failing` | upstream | error while OAuth2 token refreshes fail and a valid token is left, critical once none is (see ``credentialConditions(for:)``) |
/// | `auth_keys_stale` | issuer | error while an issuer's key set cannot be refreshed (see ``authConditions(for:)``) |
/// | `auth_revocation_store_down` | revocation | warning (allow) or critical (deny) while the shared revocation list cannot reach Redis |
/// | `audit_unavailable` | `journal` | critical while the audit journal does not take records (see ``auditConditions(for:)``) |
/// | `audit_shipper_lag` | `shipper` | warning while the audit shipper fails or is more than 5 minutes behind |
/// | `postgres_no_primary` | `postgres:` cluster | critical while no healthy server claims primary (see ``postgresConditions(for:)``) |
/// | `postgres_split_brain` | `postgres:` cluster | critical while two or more servers claim primary |
/// | `postgres_server_down` | `cluster/host:port` | warning while a PostgreSQL server fails its check |
/// | `postgres_replica_lag` | `cluster/host:port` | warning while a replica's lag is over `max_replica_lag` |
/// | `slow_query` | `cluster/database` | warning for 5 minutes after a query over `slow_query.warning`, error when one was over `slow_query.error` |
public enum AlertRules {
    /// Every condition that holds in `observation` under `settings`.
    public static func conditions(for observation: Observation, settings: AlertSettings) -> [AlertCondition] {
        var conditions: [AlertCondition] = []
        if settings.memory.enabled, let rss = observation.residentBytes {
            let severity: AlertSeverity? = rss > settings.memory.error ? .error : rss > settings.memory.warning ? .warning : nil
            if let severity {
                let limit = severity == .error ? settings.memory.error : settings.memory.warning
                conditions.append(AlertCondition(
                    rule: "memory_high", subject: "process", severity: severity, value: Double(rss),
                    message: "resident memory \(megabytes(rss)) is above \(megabytes(limit))"
                ))
            }
        }
        for dependency in observation.dependencies {
            conditions += dependencyConditions(for: dependency, settings: settings)
        }
        for target in observation.targets {
            if settings.targetUnavailable, let problem = target.problem {
                conditions.append(AlertCondition(
                    rule: "target_unavailable", subject: target.name, severity: .warning, value: 1,
                    message: "target \(target.target) of upstream '\(target.upstream)' is \(problem)"
                ))
            }
            if target.activelyHealthy, let latency = target.probeLatency, let condition = slow(target.name, latency, settings) {
                conditions.append(condition)
            }
        }
        if settings.noHealthyTarget {
            for upstream in observation.upstreams where upstream.serving == 0 {
                conditions.append(AlertCondition(
                    rule: "no_healthy_target", subject: upstream.name, severity: .critical, value: 0,
                    message: "upstream '\(upstream.name)' has no target able to serve: its routes answer 503"
                ))
            }
        }
        if settings.errorRate.enabled {
            for traffic in observation.routeTraffic where traffic.requests >= UInt64(settings.errorRate.minimumRequests) {
                let rate = Double(traffic.serverErrors) / Double(traffic.requests)
                guard rate > settings.errorRate.warning else { continue }
                conditions.append(AlertCondition(
                    rule: "error_rate_high", subject: traffic.route, severity: .warning, value: rate,
                    message: "route \(traffic.route): \(percent(rate)) of \(traffic.requests) responses were 5xx in the last \(settings.errorRate.window.humanReadableSeconds) (threshold \(percent(settings.errorRate.warning)))"
                ))
            }
        }
        conditions += certificateConditions(for: observation)
        conditions += credentialConditions(for: observation)
        conditions += authConditions(for: observation)
        conditions += auditConditions(for: observation)
        conditions += postgresConditions(for: observation)
        conditions += processConditions(for: observation)
        return conditions
    }

    /// `backup_stale`, `disk_usage_high`, `dependency_unreachable`, `dependency_degraded` or
    /// `dependency_slow` for one dependency. A failing critical check alerts `critical`, a failing
    /// non-critical one `error`, except an unreachable dependency, which is always `critical`.
    static func dependencyConditions(for dependency: Observation.DependencyObservation, settings: AlertSettings) -> [AlertCondition] {
        let name = dependency.name
        if let error = dependency.error {
            switch dependency.kind {
            case "backup":
                return [AlertCondition(rule: "backup_stale", subject: name, severity: .critical, value: 1, message: error)]
            case "disk":
                return [AlertCondition(rule: "disk_usage_high", subject: name, severity: dependency.critical ? .critical : .error, value: 1, message: "\(name): \(error)")]
            default:
                return [AlertCondition(rule: "dependency_unreachable", subject: name, severity: .critical, value: 1, message: "\(name) is unreachable: \(error)")]
            }
        }
        if let warning = dependency.warning {
            let rule = dependency.kind == "disk" ? "disk_usage_high" : "dependency_degraded"
            return [AlertCondition(rule: rule, subject: name, severity: .warning, value: 1, message: "\(name): \(warning)")]
        }
        guard let latency = dependency.latency, let condition = slow(name, latency, settings, warningAt: dependency.slowAfter) else { return [] }
        return [condition]
    }

    /// `dependency_slow` above `warningAt` (default `alerts.dependency_latency.warning`) as a warning,
    /// above `alerts.dependency_latency.error` (at least twice `warningAt` when given) as an error.
    private static func slow(_ subject: String, _ latency: Duration, _ settings: AlertSettings, warningAt: Duration? = nil) -> AlertCondition? {
        guard settings.dependencyLatency.enabled else { return nil }
        let warning = warningAt ?? settings.dependencyLatency.warning
        let error = warningAt.map { max($0 * 2, settings.dependencyLatency.error) } ?? settings.dependencyLatency.error
        let severity: AlertSeverity? = latency > error ? .error : latency > warning ? .warning : nil
        guard let severity else { return nil }
        let limit = severity == .error ? error : warning
        return AlertCondition(
            rule: "dependency_slow", subject: subject, severity: severity, value: latency.seconds,
            message: "\(subject) answered in \(latency.humanReadableSeconds), slower than \(limit.humanReadableSeconds)"
        )
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
    static func percent(_ ratio: Double) -> String { String(format: "%.1f%%", ratio * 100) }
}

extension Duration {
    /// Seconds as a Double.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// `850 ms` or `2.5 s`.
    var humanReadableSeconds: String {
        let value = seconds
        return value < 1 ? String(format: "%.0f ms", value * 1000) : String(format: "%g s", (value * 100).rounded() / 100)
    }
}
