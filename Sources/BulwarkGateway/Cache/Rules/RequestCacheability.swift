import NIOHTTP1

/// What the cache does with an incoming request before it reaches the origin.
///
/// The checks, in order:
///
/// | Request | Result |
/// | --- | --- |
/// | method other than GET or HEAD | `.bypass` |
/// | `Cache-Control: no-store` | `.bypass` |
/// | `Range` | `.bypass` (partial content is not cached) |
/// | `If-Match` or `If-Unmodified-Since` | `.bypass` (preconditions the origin evaluates, RFC 9110 §13.1.1, §13.1.4) |
/// | `Authorization` or `Cookie`, and the route does not set `cacheAuthorized` | `.bypass` |
/// | `Cache-Control: no-cache`, `max-age=0`, or `Pragma: no-cache` alone | `.revalidate` |
/// | otherwise | `.lookup` |
///
/// A bypassed request goes to the origin untouched; its response may still be offered to
/// ``ResponseStorability/evaluate(request:response:rules:receivedAt:contentLength:)``, which applies its own
/// rules (it refuses `no-store` requests, non-GET methods, and authenticated requests without the origin's
/// permission). So a `public` response to a request with `Cookie` can be stored for other clients, but that
/// request itself never receives a stored response unless `cacheAuthorized` is set.
///
/// `only-if-cached` is not decided here: read ``RequestCacheControl/onlyIfCached`` and answer 504 on a miss.
enum RequestCacheability: Equatable, Sendable {
    /// Look the request up; a fresh stored response may be served.
    case lookup
    /// Look the request up, but a stored response must be validated with the origin before it is served
    /// (RFC 9111 §5.2.1.4 `no-cache`, §5.2.1.1 `max-age=0`).
    case revalidate
    /// Do not look up; forward to the origin. `reason` is for logs and metrics.
    case bypass(reason: String)

    /// Decides for one request head under a route's rules.
    /// - Parameter directives: the head's `Cache-Control` when the caller has parsed it already.
    static func evaluate(head: HTTPRequestHead, rules: CacheRouteRules, directives: RequestCacheControl? = nil) -> RequestCacheability {
        guard head.method == .GET || head.method == .HEAD else { return .bypass(reason: "method \(head.method.rawValue)") }
        let cacheControl = directives ?? RequestCacheControl(headers: head.headers)
        if cacheControl.noStore { return .bypass(reason: "request no-store") }
        if head.headers.contains(name: "range") { return .bypass(reason: "range request") }
        if head.headers.contains(name: "if-match") || head.headers.contains(name: "if-unmodified-since") {
            return .bypass(reason: "precondition for the origin")
        }
        if !rules.cacheAuthorized {
            if head.headers.contains(name: "authorization") { return .bypass(reason: "request has Authorization") }
            if head.headers.contains(name: "cookie") { return .bypass(reason: "request has Cookie") }
        }
        if cacheControl.noCache || cacheControl.maxAge == 0 { return .revalidate }
        return .lookup
    }
}
