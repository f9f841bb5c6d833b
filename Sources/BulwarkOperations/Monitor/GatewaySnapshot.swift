import BulwarkGateway
import BulwarkPostgres
import Foundation

/// What the running gateway looks like at one instant, as a value: the monitor's parts (alert
/// evaluation, health report, metric samples, `/metrics`) read this instead of the `Gateway` object,
/// so each can be tested with a snapshot built by hand.
public struct GatewaySnapshot: Sendable, Hashable {
    /// Every upstream target, in configuration order.
    public var targets: [Observation.TargetObservation] = []
    /// Every upstream's name, in configuration order (an upstream may have no serving target).
    public var upstreamNames: [String] = []
    /// Every route and whether its upstream has a target able to serve.
    public var routes: [RouteReadiness] = []
    /// Request counters and latencies per route since start.
    public var routeStatistics: [RouteStatistics] = []
    /// Whether a graceful shutdown is under way.
    public var draining = false
    /// Requests received whose response has not finished.
    public var inFlight = 0
    /// Retries sent to upstreams since start.
    public var retries = 0
    /// Requests held by leased rate-limit slices; nil without a shared (Redis) rate-limit store.
    public var leasedRateLimitOutstanding: Int?
    /// The certificates the HTTPS listener serves (empty for plain HTTP).
    public var certificates: [TLSCertificateStatus] = []
    /// Failed TLS handshakes on the listener so far, by reason.
    public var handshakeFailures: [String: Int] = [:]
    /// The OAuth2 token of every upstream with `credentials.oauth2_client_credentials`.
    public var credentials: [Observation.CredentialObservation] = []
    /// Bearer-token authentication (`auth:`); nil when it is not configured.
    public var auth: Observation.AuthObservation?
    /// The audit log (`audit:`); nil when it is not configured.
    public var audit: Observation.AuditObservation?
    /// The `postgres:` clusters (the PostgreSQL proxy's status); empty when none is configured.
    public var postgres: [PostgresClusterStatus] = []

    /// An empty snapshot: no routes, nothing draining.
    public init() {}

    /// One route's readiness.
    public struct RouteReadiness: Sendable, Hashable {
        /// The route's label (its `name`, else its match).
        public var route: String
        /// The upstream it sends to.
        public var upstream: String
        /// Whether that upstream has a target able to serve.
        public var servable: Bool

        /// Creates a record.
        public init(route: String, upstream: String, servable: Bool) {
            self.route = route
            self.upstream = upstream
            self.servable = servable
        }
    }

    /// Whether every route has a target able to serve.
    public var routesServable: Bool { routes.allSatisfy(\.servable) }
}
