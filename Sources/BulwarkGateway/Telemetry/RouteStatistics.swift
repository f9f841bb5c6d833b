/// What the gateway counted for one route since it started: requests, server errors, rate-limit
/// rejections and the latency distribution. Read by the admin API for `/api/performance` and by the
/// health monitor, which subtracts two snapshots to get rates over an interval.
public struct RouteStatistics: Sendable, Hashable {
    /// The route's label (its name, or else its path prefix), or `none` for requests no route matched.
    public var route: String
    /// Responses sent (any status).
    public var requests: UInt64 = 0
    /// Responses with a 5xx status (including the gateway's own 502/503/504).
    public var serverErrors: UInt64 = 0
    /// Requests refused with 429 by the route's rate limits.
    public var rateLimited: UInt64 = 0
    /// Time from request head to the end of the response.
    public var latency = LatencyHistogram()

    /// Empty statistics for `route`.
    public init(route: String) { self.route = route }

    /// Share of responses that were 5xx (0 without requests).
    public var errorRate: Double { requests == 0 ? 0 : Double(serverErrors) / Double(requests) }

    /// The counts made since `earlier`.
    public func subtracting(_ earlier: RouteStatistics) -> RouteStatistics {
        var delta = RouteStatistics(route: route)
        delta.requests = requests &- min(earlier.requests, requests)
        delta.serverErrors = serverErrors &- min(earlier.serverErrors, serverErrors)
        delta.rateLimited = rateLimited &- min(earlier.rateLimited, rateLimited)
        delta.latency = latency.subtracting(earlier.latency)
        return delta
    }

    /// Adds another route's counts (for totals).
    public mutating func add(_ other: RouteStatistics) {
        requests += other.requests
        serverErrors += other.serverErrors
        rateLimited += other.rateLimited
        latency.add(other.latency)
    }
}
