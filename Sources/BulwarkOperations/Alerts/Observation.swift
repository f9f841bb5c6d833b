import BulwarkGateway
import BulwarkPostgres
import Foundation
import BulwarkSupervisor
import Resilience

/// What the health monitor saw at one evaluation; the alert rules and the health report are computed
/// from it, so both are pure functions of the same facts.
public struct Observation: Sendable, Hashable {
    /// When it was seen: the rules and checks that depend on the date (certificate expiry) read this,
    /// never the clock.
    public var now: Date
    /// Resident memory of the process, in bytes.
    public var residentBytes: Int?
    /// Every upstream target.
    public var targets: [TargetObservation] = []
    /// External dependencies other than targets (Redis, later PostgreSQL).
    public var dependencies: [DependencyObservation] = []
    /// Requests and 5xx per route over the error-rate window.
    public var routeTraffic: [RouteTraffic] = []
    /// The certificates the HTTPS listener serves (empty for a plain HTTP listener).
    public var certificates: [TLSCertificateStatus] = []
    /// Failed TLS handshakes on the listener so far, by reason.
    public var handshakeFailures: [String: Int] = [:]
    /// The OAuth2 token of every upstream with `credentials.oauth2_client_credentials`.
    public var credentials: [CredentialObservation] = []
    /// Bearer-token authentication (`auth:`); nil when it is not configured.
    public var auth: AuthObservation?
    /// The process groups `bulwark run` supervises (empty under `serve`).
    public var processes: [ProcessGroupStatus] = []
    /// The audit log (`audit:`); nil when it is not configured.
    public var audit: AuditObservation?
    /// The `postgres:` clusters as the proxy sees them (empty without `postgres:`); see ``AlertRules/postgresConditions(for:)``.
    public var postgres: [PostgresClusterStatus] = []

    /// An empty observation made at `now`.
    public init(now: Date) {
        self.now = now
    }

    /// One target.
    public struct TargetObservation: Sendable, Hashable {
        /// Upstream name.
        public var upstream: String
        /// `host:port`.
        public var target: String
        /// Whether it can take traffic (healthy, not ejected, breaker not open).
        public var serving: Bool
        /// Whether outlier detection ejected it.
        public var ejected: Bool
        /// Whether its active health check passes (true without a check).
        public var activelyHealthy: Bool
        /// Its circuit breaker's state; nil when the upstream has `circuit_breaker.enabled: false`.
        public var breaker: CircuitBreakerState?
        /// The last probe's round trip, if probed.
        public var probeLatency: Duration?
        /// The last probe's outcome, if probed.
        public var probeDetail: String?
        /// Why its last failed request failed (live traffic), when outlier detection ejected it.
        public var lastFailure: String?

        /// `upstream/host:port`.
        public var name: String { "\(upstream)/\(target)" }

        /// Creates an observation.
        public init(upstream: String, target: String, serving: Bool, ejected: Bool, activelyHealthy: Bool, breaker: CircuitBreakerState?, probeLatency: Duration? = nil, probeDetail: String? = nil) {
            self.upstream = upstream
            self.target = target
            self.serving = serving
            self.ejected = ejected
            self.activelyHealthy = activelyHealthy
            self.breaker = breaker
            self.probeLatency = probeLatency
            self.probeDetail = probeDetail
        }

        /// Why it cannot serve, in words; nil when it can.
        public var problem: String? {
            if serving { return nil }
            if !activelyHealthy { return "failing its health check" + (probeDetail.map { " (\($0))" } ?? "") }
            if ejected { return "ejected by outlier detection" + (lastFailure.map { " (last failure: \($0))" } ?? "") }
            if let breaker, breaker.rejectsCalls { return "circuit breaker \(breaker.description.replacingOccurrences(of: "-", with: " "))" }
            return "unavailable"
        }
    }

    /// One dependency: the gateway's Redis, backup freshness, or a `health.checks` entry.
    public struct DependencyObservation: Sendable, Hashable {
        /// Its name, e.g. `redis`, `database`.
        public var name: String
        /// Its kind: `redis`, `postgres`, `http`, `tcp`, `disk`, `backup`.
        public var kind: String
        /// Whether its failure makes the instance UNHEALTHY and not ready (else only DEGRADED).
        public var critical: Bool
        /// A passing check slower than this is degraded; nil: `alerts.dependency_latency.warning`.
        public var slowAfter: Duration?
        /// How long the last check took (also when it failed); nil when not measured.
        public var latency: Duration?
        /// Why the check failed; nil when it passed.
        public var error: String?
        /// What needs attention although it passed (a disk above its warning threshold).
        public var warning: String?
        /// What a passing check saw (`HTTP 200`, `34.0% of space used`).
        public var detail: String?

        /// Creates an observation.
        public init(
            name: String, kind: String, critical: Bool = false, slowAfter: Duration? = nil,
            latency: Duration?, error: String?, warning: String? = nil, detail: String? = nil
        ) {
            self.name = name
            self.kind = kind
            self.critical = critical
            self.slowAfter = slowAfter
            self.latency = latency
            self.error = error
            self.warning = warning
            self.detail = detail
        }

        /// Whether it counts as up (`bulwark_dependency_up`): passed, possibly with a warning.
        public var isUp: Bool { error == nil }
    }

    /// Traffic of one route over the error-rate window.
    public struct RouteTraffic: Sendable, Hashable {
        /// Route label.
        public var route: String
        /// Responses.
        public var requests: UInt64
        /// 5xx responses.
        public var serverErrors: UInt64

        /// Creates a record.
        public init(route: String, requests: UInt64, serverErrors: UInt64) {
            self.route = route
            self.requests = requests
            self.serverErrors = serverErrors
        }
    }

    /// Upstream names in order of first appearance, with how many targets can serve.
    public var upstreams: [(name: String, serving: Int)] {
        var order: [String] = []
        var serving: [String: Int] = [:]
        for target in targets {
            if serving[target.upstream] == nil { order.append(target.upstream) }
            serving[target.upstream, default: 0] += target.serving ? 1 : 0
        }
        return order.map { ($0, serving[$0] ?? 0) }
    }
}
