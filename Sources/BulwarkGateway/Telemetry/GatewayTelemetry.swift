import CoreMetrics
import Synchronization

/// What the gateway measures about its traffic. Emits swift-metrics (to whatever factory it was given:
/// Prometheus under `bulwark serve`) and keeps per-route ``RouteStatistics`` for the admin API.
///
/// Metrics: `bulwark_http_requests_total{route,method,status}`,
/// `bulwark_http_request_duration_seconds{route}` (a timer, a histogram in Prometheus),
/// `bulwark_http_rate_limit_decisions_total{route,decision}`, `bulwark_upstream_retries_total{upstream}` and
/// `bulwark_connections_rejected_total` (over `server.max_connections`).
/// Requests in flight are counted here and read by whoever exports them.
public final class GatewayTelemetry: Sendable {
    /// The label of requests that matched no route.
    public static let unmatchedRoute = "none"

    private let factory: any MetricsFactory
    private let routeLabels: [String]
    private let statistics: [StatisticsBox]
    private let timers: [CoreMetrics.Timer]
    private let rateLimitCounters: [(allowed: Counter, rejected: Counter)]
    private let retryCounters: [String: Counter]
    private let requestCounters = Mutex<[RequestKey: Counter]>([:])
    private let inFlightCount = Atomic<Int>(0)
    private let rejectedConnections: Counter
    private let rejectedConnectionCount = Atomic<Int>(0)
    private let retryCount = Atomic<Int>(0)

    private struct RequestKey: Hashable {
        var route: Int
        var method: String
        var status: Int
    }

    private final class StatisticsBox: Sendable {
        let value: Mutex<RouteStatistics>
        init(route: String) { value = Mutex(RouteStatistics(route: route)) }
    }

    /// Creates telemetry for routes labelled `routes` (in order) and upstreams named `upstreams`.
    public init(routes: [String], upstreams: [String], factory: any MetricsFactory) {
        self.factory = factory
        let labels = routes + [Self.unmatchedRoute]
        self.routeLabels = labels
        self.statistics = labels.map { StatisticsBox(route: $0) }
        self.timers = labels.map {
            CoreMetrics.Timer(label: "bulwark_http_request_duration_seconds", dimensions: [("route", $0)], factory: factory)
        }
        self.rateLimitCounters = labels.map {
            (Counter(label: "bulwark_http_rate_limit_decisions_total", dimensions: [("route", $0), ("decision", "allowed")], factory: factory),
             Counter(label: "bulwark_http_rate_limit_decisions_total", dimensions: [("route", $0), ("decision", "rejected")], factory: factory))
        }
        var retries: [String: Counter] = [:]
        for upstream in upstreams {
            retries[upstream] = Counter(label: "bulwark_upstream_retries_total", dimensions: [("upstream", upstream)], factory: factory)
        }
        self.retryCounters = retries
        self.rejectedConnections = Counter(label: "bulwark_connections_rejected_total", factory: factory)
    }

    /// Client connections closed at once because `server.max_connections` were open.
    public var connectionsRejected: Int { rejectedConnectionCount.load(ordering: .relaxed) }

    func connectionRejected() {
        rejectedConnectionCount.add(1, ordering: .relaxed)
        rejectedConnections.increment()
    }

    /// Requests received whose response has not finished.
    public var inFlight: Int { inFlightCount.load(ordering: .relaxed) }

    /// Retries sent since start, over all upstreams.
    public var retries: Int { retryCount.load(ordering: .relaxed) }

    /// Per-route statistics since start, in route order, then requests no route matched.
    public func routeStatistics() -> [RouteStatistics] {
        statistics.map { box in box.value.withLock { $0 } }
    }

    func requestStarted() { inFlightCount.add(1, ordering: .relaxed) }
    func requestEnded() { inFlightCount.subtract(1, ordering: .relaxed) }

    /// A response finished (or was abandoned) on route `routeIndex` (nil: no route matched).
    func requestCompleted(routeIndex: Int?, method: String, status: Int, nanoseconds: Int64) {
        let index = routeIndex ?? routeLabels.count - 1
        statistics[index].value.withLock { stats in
            stats.requests += 1
            if status >= 500 { stats.serverErrors += 1 }
            stats.latency.record(nanoseconds: nanoseconds)
        }
        timers[index].recordNanoseconds(nanoseconds)
        let key = RequestKey(route: index, method: Self.methodLabel(method), status: status)
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "bulwark_http_requests_total", dimensions: [
                ("route", routeLabels[index]), ("method", key.method), ("status", String(status)),
            ], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// The route's rate limits decided.
    func rateLimitDecision(routeIndex: Int, allowed: Bool) {
        if allowed {
            rateLimitCounters[routeIndex].allowed.increment()
        } else {
            rateLimitCounters[routeIndex].rejected.increment()
            statistics[routeIndex].value.withLock { $0.rateLimited += 1 }
        }
    }

    /// A retry was sent to `upstream`.
    func retried(upstream: String) {
        retryCount.add(1, ordering: .relaxed)
        retryCounters[upstream]?.increment()
    }

    /// Standard methods keep their name; anything else is `OTHER`, so a client cannot grow the label set.
    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT": method
        default: "OTHER"
        }
    }
}
