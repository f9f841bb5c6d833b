import CoreMetrics
import Synchronization

/// What the gateway measures about its traffic. Emits swift-metrics (to whatever factory it was given:
/// Prometheus under `bulwark serve`) and keeps per-route ``RouteStatistics`` for the admin API.
///
/// Metrics: `bulwark_http_requests_total{route,method,status}`,
/// `bulwark_http_request_duration_seconds{route}` (a timer, a histogram in Prometheus),
/// `bulwark_http_rate_limit_decisions_total{route,decision}`, `bulwark_upstream_retries_total{upstream}` and
/// `bulwark_connections_rejected_total` (over `server.max_connections`), `bulwark_upgraded_connections`
/// (a gauge: upgraded connections open) and `bulwark_upgraded_connections_total{route,outcome}` (upgraded
/// connections ended, by how).
/// Requests in flight are counted here and read by whoever exports them.
public final class GatewayTelemetry: Sendable {
    /// The label of requests that matched no route.
    public static let unmatchedRoute = "none"

    private let factory: any MetricsFactory
    /// Per-label series, created once per label and kept across reloads, so a route that survives a
    /// reload keeps counting where it was. Slot 0 is ``unmatchedRoute``.
    private let slots: Mutex<Slots>
    private let requestCounters = Mutex<[RequestKey: Counter]>([:])
    private let retryCounters = Mutex<[String: Counter]>([:])
    private let inFlightCount = Atomic<Int>(0)
    private let rejectedConnections: Counter
    private let rejectedConnectionCount = Atomic<Int>(0)
    private let retryCount = Atomic<Int>(0)
    private let upgradedCount = Atomic<Int>(0)
    private let upgradedGauge: Gauge
    private let upgradeCounters = Mutex<[String: Counter]>([:])

    private struct Slots {
        var series: [RouteSeries] = []
        var byLabel: [String: Int] = [:]
        /// The slots of the routes in force, in route order.
        var active: [Int] = []
    }

    private struct RequestKey: Hashable {
        var route: Int
        var method: String
        var status: Int
    }

    /// One route label's statistics and metrics.
    private final class RouteSeries: Sendable {
        let label: String
        let statistics: Mutex<RouteStatistics>
        let timer: CoreMetrics.Timer
        let allowed: Counter
        let rejected: Counter

        init(label: String, factory: any MetricsFactory) {
            self.label = label
            statistics = Mutex(RouteStatistics(route: label))
            timer = CoreMetrics.Timer(label: "bulwark_http_request_duration_seconds", dimensions: [("route", label)], factory: factory)
            allowed = Counter(label: "bulwark_http_rate_limit_decisions_total", dimensions: [("route", label), ("decision", "allowed")], factory: factory)
            rejected = Counter(label: "bulwark_http_rate_limit_decisions_total", dimensions: [("route", label), ("decision", "rejected")], factory: factory)
        }
    }

    /// Creates telemetry for routes labelled `routes` (in order) and upstreams named `upstreams`.
    public init(routes: [String], upstreams: [String], factory: any MetricsFactory) {
        self.factory = factory
        self.slots = Mutex(Slots(series: [RouteSeries(label: Self.unmatchedRoute, factory: factory)], byLabel: [Self.unmatchedRoute: 0]))
        self.rejectedConnections = Counter(label: "bulwark_connections_rejected_total", factory: factory)
        self.upgradedGauge = Gauge(label: "bulwark_upgraded_connections", factory: factory)
        _ = activate(routes: routes)
        activate(upstreams: upstreams)
    }

    /// Creates the retry series of `upstreams` (so they show as 0 before the first retry).
    func activate(upstreams: [String]) {
        retryCounters.withLock { counters in
            for upstream in upstreams where counters[upstream] == nil {
                counters[upstream] = Counter(label: "bulwark_upstream_retries_total", dimensions: [("upstream", upstream)], factory: factory)
            }
        }
    }

    /// Makes `labels` the routes in force (after a start or a reload) and returns each one's slot, the
    /// value to pass as `routeIndex`. A label seen before keeps its series.
    func activate(routes labels: [String]) -> [Int] {
        slots.withLock { slots in
            let chosen = labels.map { label in
                if let slot = slots.byLabel[label] { return slot }
                slots.series.append(RouteSeries(label: label, factory: factory))
                slots.byLabel[label] = slots.series.count - 1
                return slots.series.count - 1
            }
            var seen = Set<Int>()
            slots.active = chosen.filter { seen.insert($0).inserted }
            return chosen
        }
    }

    private func series(_ slot: Int?) -> RouteSeries {
        slots.withLock { $0.series[slot ?? 0] }
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
        let series = slots.withLock { slots in (slots.active + [0]).map { slots.series[$0] } }
        return series.map { one in one.statistics.withLock { $0 } }
    }

    func requestStarted() { inFlightCount.add(1, ordering: .relaxed) }
    func requestEnded() { inFlightCount.subtract(1, ordering: .relaxed) }

    /// A response finished (or was abandoned) on the route in slot `routeIndex` (nil: no route matched).
    func requestCompleted(routeIndex: Int?, method: String, status: Int, nanoseconds: Int64) {
        let series = series(routeIndex)
        let slot = routeIndex ?? 0
        series.statistics.withLock { stats in
            stats.requests += 1
            if status >= 500 { stats.serverErrors += 1 }
            stats.latency.record(nanoseconds: nanoseconds)
        }
        series.timer.recordNanoseconds(nanoseconds)
        let key = RequestKey(route: slot, method: Self.methodLabel(method), status: status)
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "bulwark_http_requests_total", dimensions: [
                ("route", series.label), ("method", key.method), ("status", String(status)),
            ], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// The rate limits of the route in slot `routeIndex` decided.
    func rateLimitDecision(routeIndex: Int, allowed: Bool) {
        let series = series(routeIndex)
        if allowed {
            series.allowed.increment()
        } else {
            series.rejected.increment()
            series.statistics.withLock { $0.rateLimited += 1 }
        }
    }

    /// Upgraded connections (WebSockets) open now.
    public var upgradedConnections: Int { upgradedCount.load(ordering: .relaxed) }

    /// A `101 Switching Protocols` was relayed: one more upgraded connection.
    func upgradeStarted() {
        let open = upgradedCount.add(1, ordering: .relaxed).newValue
        upgradedGauge.record(open)
    }

    /// An upgraded connection of the route in slot `routeIndex` ended with `outcome` (e.g. `client_closed`).
    func upgradeEnded(routeIndex: Int?, outcome: String) {
        let open = upgradedCount.subtract(1, ordering: .relaxed).newValue
        upgradedGauge.record(open)
        let label = series(routeIndex).label
        let counter = upgradeCounters.withLock { counters in
            let key = "\(label)\u{0}\(outcome)"
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "bulwark_upgraded_connections_total", dimensions: [("route", label), ("outcome", outcome)], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// A retry was sent to `upstream`.
    func retried(upstream: String) {
        retryCount.add(1, ordering: .relaxed)
        let counter = retryCounters.withLock { counters in
            if let counter = counters[upstream] { return counter }
            let counter = Counter(label: "bulwark_upstream_retries_total", dimensions: [("upstream", upstream)], factory: factory)
            counters[upstream] = counter
            return counter
        }
        counter.increment()
    }

    /// Standard methods keep their name; anything else is `OTHER`, so a client cannot grow the label set.
    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT": method
        default: "OTHER"
        }
    }
}
