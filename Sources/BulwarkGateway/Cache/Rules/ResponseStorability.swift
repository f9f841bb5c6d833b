import NIOHTTP1

/// Whether an origin response may be stored by this shared cache (RFC 9111 §3), and if so how it may be reused.
///
/// Not stored, with the reason given:
/// - a request other than GET (a HEAD response has no content to store), or a request with `no-store`;
/// - a 1xx, 206 or 304 status, or a status without explicit freshness that is not heuristically cacheable;
/// - `no-store` or `private` (in either form) in the response;
/// - a request with `Authorization`, unless the response has `public`, `s-maxage` or `must-revalidate` (§3.5);
/// - a request with `Cookie` and a route without `cacheAuthorized`, unless the response has `public`;
/// - `Set-Cookie`, unless the route sets `cacheSetCookie` and the response has `public`;
/// - `Vary: *` (§4.1: it never matches);
/// - a body longer than the route's `maxObjectBytes`.
///
/// Freshness comes from `s-maxage`, then `max-age`, then `Expires − Date` (§4.2.1); only without any of them the
/// route's `ttl` applies, and only to 200, 203, 204, 300, 301, 308, 404, 405, 410, 414 and 501. Upstream
/// `Cache-Control` always wins over the route. An `Expires` that is not a valid date, or more than one `Expires`,
/// means already expired (§5.3, §4.2.1).
///
/// Stale windows: the response's `stale-while-revalidate` / `stale-if-error` win over the route's. With
/// `must-revalidate`, `proxy-revalidate` or `no-cache` there is no stale window at all, not even on error
/// (§4.2.4). With `s-maxage` (which implies `proxy-revalidate`) only the windows the response itself declares
/// apply, not the route's: `s-maxage=N, stale-while-revalidate=M` is the origin's explicit permission.
enum ResponseStorability: Equatable, Sendable {
    /// Store the response; reuse it as the decision says.
    case store(CachePolicyDecision)
    /// Do not store; `reason` is for logs and metrics.
    case doNotStore(reason: String)

    /// Statuses whose responses may get heuristic freshness (RFC 9110 §15.1, without 206).
    static let heuristicallyCacheable: Set<UInt> = [200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501]

    /// Decides for one exchange.
    ///
    /// - Parameters:
    ///   - request: the request head as sent by the client.
    ///   - response: the origin's response head.
    ///   - rules: the route's cache rules.
    ///   - receivedAt: seconds since the epoch when the response head arrived.
    ///   - contentLength: the body length if known; `nil` falls back to the `Content-Length` field.
    static func evaluate(
        request: HTTPRequestHead,
        response: HTTPResponseHead,
        rules: CacheRouteRules,
        receivedAt: Int64,
        contentLength: Int?
    ) -> ResponseStorability {
        let code = response.status.code
        guard request.method == .GET else { return .doNotStore(reason: "method \(request.method.rawValue)") }
        if code < 200 { return .doNotStore(reason: "informational status \(code)") }
        if code == 206 || code == 304 { return .doNotStore(reason: "status \(code) is not stored") }
        if RequestCacheControl(headers: request.headers).noStore { return .doNotStore(reason: "request no-store") }
        let cacheControl = ResponseCacheControl(headers: response.headers)
        if cacheControl.noStore { return .doNotStore(reason: "response no-store") }
        if cacheControl.isPrivate { return .doNotStore(reason: "response private") }
        if let reason = privacyRefusal(request: request, response: response, cacheControl: cacheControl, rules: rules) {
            return .doNotStore(reason: reason)
        }
        guard let vary = VaryField.names(response.headers) else { return .doNotStore(reason: "Vary: *") }
        let length = contentLength ?? response.headers.first(name: "content-length").flatMap { Int($0) }
        if let length, length > rules.maxObjectBytes {
            return .doNotStore(reason: "content length \(length) exceeds \(rules.maxObjectBytes) bytes")
        }
        let freshness: (lifetime: Int64, source: CachePolicyDecision.FreshnessSource)
        if let explicit = ExplicitFreshness.lifetime(cacheControl: cacheControl, headers: response.headers, receivedAt: receivedAt) {
            freshness = explicit
        } else if !heuristicallyCacheable.contains(code) {
            return .doNotStore(reason: "status \(code) without explicit freshness")
        } else if rules.ttl <= .zero {
            return .doNotStore(reason: "no explicit freshness and the route ttl is zero")
        } else {
            freshness = (DeltaSeconds.seconds(of: rules.ttl), .heuristic)
        }
        let staleForbidden = cacheControl.mustRevalidate || cacheControl.proxyRevalidate || cacheControl.noCache
        let routeWindowsApply = cacheControl.sharedMaxAge == nil
        return .store(CachePolicyDecision(
            freshnessLifetime: freshness.lifetime,
            freshnessSource: freshness.source,
            staleWhileRevalidate: staleForbidden ? 0 : cacheControl.staleWhileRevalidate
                ?? (routeWindowsApply ? DeltaSeconds.seconds(of: rules.staleWhileRevalidate) : 0),
            staleIfError: staleForbidden ? 0 : cacheControl.staleIfError
                ?? (routeWindowsApply ? DeltaSeconds.seconds(of: rules.staleIfError) : 0),
            requiresValidation: cacheControl.noCache,
            staleForbidden: staleForbidden || cacheControl.sharedMaxAge != nil,
            varyFieldNames: Array(Set(vary + rules.vary.map { $0.lowercased() })).sorted(),
            entityTag: response.headers.first(name: "etag").map(trimmed),
            lastModified: response.headers.first(name: "last-modified").map(trimmed),
            initialAge: initialAge(headers: response.headers, receivedAt: receivedAt),
            immutable: cacheControl.immutable
        ))
    }

    /// The reason to refuse a response because of credentials or cookies, or `nil` when they allow storing.
    private static func privacyRefusal(
        request: HTTPRequestHead,
        response: HTTPResponseHead,
        cacheControl: ResponseCacheControl,
        rules: CacheRouteRules
    ) -> String? {
        if request.headers.contains(name: "authorization"),
           !(cacheControl.isPublic || cacheControl.sharedMaxAge != nil || cacheControl.mustRevalidate) {
            return "request has Authorization and the response is not public, s-maxage or must-revalidate"
        }
        // Whatever the route allows for lookups, a response to a request with a cookie is shared only
        // when the origin says so: it may be one user's page.
        if request.headers.contains(name: "cookie"), !cacheControl.isPublic {
            return "request has Cookie and the response is not public"
        }
        if response.headers.contains(name: "set-cookie"), !(rules.cacheSetCookie && cacheControl.isPublic) {
            return rules.cacheSetCookie ? "Set-Cookie on a response that is not public" : "Set-Cookie and the route does not cache it"
        }
        return nil
    }

    /// §4.2.3 simplified: `max(Age, receivedAt − Date)`, never negative; no response-delay correction.
    private static func initialAge(headers: HTTPHeaders, receivedAt: Int64) -> Int64 {
        let ageValue = DeltaSeconds.parse(headers.first(name: "age").map(trimmed)) ?? 0
        let apparentAge = headers.first(name: "date").flatMap { HTTPDate.parse($0) }.map { max(0, receivedAt - $0) } ?? 0
        return max(ageValue, apparentAge)
    }

    /// The field value without surrounding OWS.
    private static func trimmed(_ value: String) -> String {
        String(value.trimmingOWS())
    }
}
