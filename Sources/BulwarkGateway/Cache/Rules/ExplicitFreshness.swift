import NIOHTTP1

/// The explicit freshness lifetime of a response (RFC 9111 §4.2.1), without heuristics.
enum ExplicitFreshness {
    /// `s-maxage`, else `max-age`, else `Expires − Date`; `nil` when the response has none of them.
    ///
    /// `Date` falls back to `receivedAt` when absent or invalid. An invalid `Expires`, or more than one
    /// `Expires` field line with different values, gives 0 (already expired, §5.3 and §4.2.1).
    static func lifetime(
        cacheControl: ResponseCacheControl,
        headers: HTTPHeaders,
        receivedAt: Int64
    ) -> (lifetime: Int64, source: CachePolicyDecision.FreshnessSource)? {
        if let sharedMaxAge = cacheControl.sharedMaxAge { return (sharedMaxAge, .sharedMaxAge) }
        if let maxAge = cacheControl.maxAge { return (maxAge, .maxAge) }
        let expiresLines = headers["expires"]
        guard let first = expiresLines.first else { return nil }
        guard Set(expiresLines).count == 1, let expires = HTTPDate.parse(first) else { return (0, .expires) }
        let date = headers.first(name: "date").flatMap { HTTPDate.parse($0) } ?? receivedAt
        return (min(max(0, expires - date), DeltaSeconds.maximum), .expires)
    }
}
