/// How a stored response may be reused: the result of ``ResponseStorability`` for a storable response.
///
/// All durations are whole seconds. Keep it with the stored response and hand it to ``CacheFreshness``.
struct CachePolicyDecision: Equatable, Sendable {
    /// Where ``freshnessLifetime`` came from (RFC 9111 §4.2.1 order, then the route's heuristic).
    enum FreshnessSource: Equatable, Sendable {
        /// `Cache-Control: s-maxage`.
        case sharedMaxAge
        /// `Cache-Control: max-age`.
        case maxAge
        /// `Expires` minus `Date` (or minus the receive time when `Date` is absent).
        case expires
        /// The route's `ttl`, for a heuristically cacheable status without explicit freshness (§4.2.2).
        case heuristic
    }

    /// Seconds the response stays fresh, counted in response age (§4.2.1).
    var freshnessLifetime: Int64
    /// Where the lifetime came from.
    var freshnessSource: FreshnessSource
    /// Seconds past the lifetime during which the response may be served while revalidating in the background.
    var staleWhileRevalidate: Int64
    /// Seconds past the lifetime during which the response may be served when the origin fails.
    var staleIfError: Int64
    /// `no-cache`: every reuse needs a successful validation first (§5.2.2.4).
    var requiresValidation: Bool
    /// `must-revalidate`, `proxy-revalidate`, `s-maxage` (which implies `proxy-revalidate`, §5.2.2.10) or
    /// `no-cache`: a client's `max-stale` cannot make this response servable once stale (§4.2.4).
    var staleForbidden: Bool
    /// Request field names the stored response varies on: the response's `Vary` plus the route's `vary`,
    /// lower-cased, sorted, without duplicates. Feed them to ``CacheKey/variant(primary:varyNames:requestHeaders:)``.
    var varyFieldNames: [String]
    /// The `ETag` field value as received, for validation.
    var entityTag: String?
    /// The `Last-Modified` field value as received, for validation.
    var lastModified: String?
    /// The response's age when received (§4.2.3, simplified): the larger of `Age` and receive time minus `Date`.
    var initialAge: Int64
    /// `immutable` (RFC 8246): the wiring may skip a client's reload validation while the response is fresh.
    var immutable: Bool
}
