import BulwarkGateway

/// One sample of the metric history: the process and the gateway's counters at a monotonic time, and
/// the pure arithmetic that turns two consecutive samples into rates (`GET /api/metrics`).
public struct MetricSample: Sendable {
    /// Monotonic time of the sample.
    public var at: Duration
    /// The process's resource use.
    public var process: ProcessSample
    /// The gateway's route counters.
    public var routes: [RouteStatistics]

    /// Creates a sample.
    public init(at: Duration, process: ProcessSample, routes: [RouteStatistics]) {
        self.at = at
        self.process = process
        self.routes = routes
    }

    /// The values of this sample, with rates over the time since `previous`.
    public func values(since previous: MetricSample?, snapshot: GatewaySnapshot) -> [String: Double] {
        var total = RouteStatistics(route: "all")
        for route in routes { total.add(route) }
        var previousTotal = RouteStatistics(route: "all")
        for route in previous?.routes ?? [] { previousTotal.add(route) }
        let delta = total.subtracting(previousTotal)
        let elapsed = previous.map { (at - $0.at).seconds } ?? 0
        var values: [String: Double] = [
            "requests_total": Double(total.requests),
            "server_errors_total": Double(total.serverErrors),
            "rate_limited_total": Double(total.rateLimited),
            "retries_total": Double(snapshot.retries),
            "in_flight": Double(snapshot.inFlight),
            "request_rate": elapsed > 0 ? Double(delta.requests) / elapsed : 0,
            "rate_limited_rate": elapsed > 0 ? Double(delta.rateLimited) / elapsed : 0,
            "error_rate": delta.requests > 0 ? Double(delta.serverErrors) / Double(delta.requests) : 0,
            "rss_bytes": Double(process.residentBytes),
            "cpu_seconds": process.cpuSeconds,
            "cpu_percent": elapsed > 0 ? max(0, process.cpuSeconds - (previous?.process.cpuSeconds ?? 0)) / elapsed * 100 : 0,
            "open_files": Double(process.openFiles),
            "threads": Double(process.threads),
            "healthy_targets": Double(snapshot.targets.filter(\.serving).count),
            "unavailable_targets": Double(snapshot.targets.filter { !$0.serving }.count),
        ]
        let window = delta.latency.count > 0 ? delta.latency : total.latency
        values["latency_p50_ms"] = (window.quantile(0.50) ?? 0) * 1000
        values["latency_p95_ms"] = (window.quantile(0.95) ?? 0) * 1000
        values["latency_p99_ms"] = (window.quantile(0.99) ?? 0) * 1000
        if let outstanding = snapshot.leasedRateLimitOutstanding { values["ratelimit_leased_outstanding"] = Double(outstanding) }
        return values
    }
}
