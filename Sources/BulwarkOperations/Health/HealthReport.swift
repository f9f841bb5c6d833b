import Foundation

/// `GET /health`: the overall status, a score and every check.
public struct HealthReport: Sendable, Hashable, Codable {
    /// Overall status.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Everything passes.
        case healthy = "HEALTHY"
        /// Serving, but something is wrong: a target down, a slow dependency, an open alert, draining.
        case degraded = "DEGRADED"
        /// A route cannot be served, or a critical dependency check fails.
        case unhealthy = "UNHEALTHY"
    }

    /// One check's outcome.
    public enum CheckStatus: String, Sendable, Hashable, Codable {
        /// Passes.
        case healthy
        /// Passes, slowly.
        case degraded
        /// Fails.
        case unhealthy

        var score: Double {
            switch self {
            case .healthy: 100
            case .degraded: 50
            case .unhealthy: 0
            }
        }
    }

    /// One check: an upstream target, Redis, PostgreSQL…
    public struct Check: Sendable, Hashable, Codable {
        /// e.g. `app/127.0.0.1:8081` or `redis`.
        public var name: String
        /// `target`, `redis`, `postgres`, `backup`.
        public var kind: String
        /// Outcome.
        public var status: CheckStatus
        /// Round trip of the last check in milliseconds, when measured.
        public var latencyMs: Double?
        /// What was seen.
        public var message: String
        /// Whether this check failing makes the instance UNHEALTHY (a critical `health.checks` entry);
        /// false for targets (a route with no target left does that instead) and non-critical checks.
        public var critical: Bool

        enum CodingKeys: String, CodingKey {
            case name, kind, status, message, critical
            case latencyMs = "latency_ms"
        }

        /// Creates a check.
        public init(name: String, kind: String, status: CheckStatus, latencyMs: Double?, message: String, critical: Bool = false) {
            self.name = name
            self.kind = kind
            self.status = status
            self.latencyMs = latencyMs
            self.message = message
            self.critical = critical
        }

        /// Encodes `latency_ms` as null when unmeasured.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(kind, forKey: .kind)
            try container.encode(status, forKey: .status)
            try container.encode(latencyMs, forKey: .latencyMs)
            try container.encode(message, forKey: .message)
            try container.encode(critical, forKey: .critical)
        }

        /// Decodes a check; `critical` defaults to false.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            kind = try container.decode(String.self, forKey: .kind)
            status = try container.decode(CheckStatus.self, forKey: .status)
            latencyMs = try container.decodeIfPresent(Double.self, forKey: .latencyMs)
            message = try container.decode(String.self, forKey: .message)
            critical = try container.decodeIfPresent(Bool.self, forKey: .critical) ?? false
        }

        /// Whether it fails and is critical: the instance is UNHEALTHY and not ready.
        public var failsCritically: Bool { critical && status == .unhealthy }
    }

    /// Overall status.
    public var status: Status
    /// 0 (down) to 100 (all well).
    public var score: Int
    /// Whether `/health/ready` answers 200.
    public var ready: Bool
    /// Whether a graceful shutdown is under way.
    public var draining: Bool
    /// Bulwark's version.
    public var version: String
    /// Seconds since start.
    public var uptimeSeconds: Double
    /// When it was computed.
    public var checkedAt: Date
    /// Every check.
    public var checks: [Check]
    /// The HTTPS listener's certificates and handshake failures; nil (and absent from the JSON) when
    /// the listener speaks plain HTTP.
    public var tls: TLS?

    enum CodingKeys: String, CodingKey {
        case status, score, ready, draining, version, checks, tls
        case uptimeSeconds = "uptime_seconds", checkedAt = "checked_at"
    }
}

/// How checks, readiness and open alerts combine into a status and a score.
///
/// - The score is the mean of the checks (healthy 100, degraded 50, unhealthy 0; 100 with no checks),
///   minus 5 per open warning, 10 per open error and 20 per open critical alert, within 0…100.
/// - `UNHEALTHY` when some route has no target able to serve, or a critical dependency check
///   (`health.checks` with `critical: true`) fails: readiness fails too, and the score is at most 40.
///   A failing non-critical check only degrades.
/// - `DEGRADED` when any check is not healthy, any alert is open, or the process is draining. (A
///   certificate with 3 days or less left degrades the `tls` check; one within 14 days opens a
///   `certificate_expiring` warning. Neither ever makes the instance `UNHEALTHY`. Nor do failing
///   upstream credentials: their check is `unhealthy` once no valid token is left, which degrades.)
/// - `HEALTHY` otherwise.
public enum HealthScoring {
    /// The status and score.
    public static func evaluate(checks: [HealthReport.Check], routesServable: Bool, draining: Bool, openAlerts: [AlertSeverity]) -> (HealthReport.Status, Int) {
        let mean = checks.isEmpty ? 100 : checks.map(\.status.score).reduce(0, +) / Double(checks.count)
        let penalty = openAlerts.reduce(0.0) { total, severity in
            switch severity {
            case .warning: total + 5
            case .error: total + 10
            case .critical: total + 20
            }
        }
        var score = Int(max(0, min(100, mean - penalty)).rounded())
        let status: HealthReport.Status
        if !routesServable || checks.contains(where: \.failsCritically) {
            status = .unhealthy
            score = min(score, 40)
        } else if draining || !openAlerts.isEmpty || checks.contains(where: { $0.status != .healthy }) {
            status = .degraded
        } else {
            status = .healthy
        }
        return (status, score)
    }

    /// The check of one dependency: unhealthy when it failed, degraded when it passed with a warning or
    /// slower than `slowAfter`, healthy otherwise.
    static func dependencyCheck(for dependency: Observation.DependencyObservation, slowAfter: Duration) -> HealthReport.Check {
        let latency = dependency.latency.map { $0.seconds * 1000 }
        func check(_ status: HealthReport.CheckStatus, _ message: String) -> HealthReport.Check {
            .init(name: dependency.name, kind: dependency.kind, status: status, latencyMs: latency, message: message, critical: dependency.critical)
        }
        if let error = dependency.error {
            return .init(name: dependency.name, kind: dependency.kind, status: .unhealthy, latencyMs: nil, message: error, critical: dependency.critical)
        }
        if let warning = dependency.warning { return check(.degraded, warning) }
        if let value = dependency.latency, value > slowAfter {
            return check(.degraded, "slow: \(value.humanReadableSeconds)")
        }
        let passed = dependency.kind == "backup" ? "last backup within the schedule" : dependency.detail ?? "reachable"
        return check(.healthy, passed)
    }

    /// The checks for an observation: one per target, one per dependency, `tls` when the listener
    /// serves certificates (see ``tlsCheck(for:)``), and one per upstream with an OAuth2 token (see
    /// ``credentialChecks(for:)``).
    public static func checks(for observation: Observation, slowAfter: Duration) -> [HealthReport.Check] {
        var checks: [HealthReport.Check] = []
        for target in observation.targets {
            let latency = target.probeLatency.map { $0.seconds * 1000 }
            if let problem = target.problem {
                checks.append(.init(name: target.name, kind: "target", status: .unhealthy, latencyMs: latency, message: problem))
            } else if let probe = target.probeLatency, probe > slowAfter {
                checks.append(.init(name: target.name, kind: "target", status: .degraded, latencyMs: latency, message: "health check slow: \(probe.humanReadableSeconds)"))
            } else {
                let message = target.probeDetail.map { "health check passed (\($0))" } ?? "serving (no active health check)"
                let halfOpen = target.breaker == .halfOpen
                checks.append(.init(name: target.name, kind: "target", status: halfOpen ? .degraded : .healthy, latencyMs: latency, message: message + (halfOpen ? "; circuit breaker half-open" : "")))
            }
        }
        for dependency in observation.dependencies {
            checks.append(dependencyCheck(for: dependency, slowAfter: dependency.slowAfter ?? slowAfter))
        }
        if let tls = tlsCheck(for: observation) { checks.append(tls) }
        checks += credentialChecks(for: observation)
        checks += processChecks(for: observation)
        checks += postgresChecks(for: observation)
        return checks
    }
}
