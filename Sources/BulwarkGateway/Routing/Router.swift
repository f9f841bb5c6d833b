import BulwarkAuth
import BulwarkConfig
import NIOHTTP1
import Resilience

/// One route at run time.
final class CompiledRoute: Sendable {
    let index: Int
    let settings: RouteSettings
    let cluster: UpstreamCluster
    let rateLimits: [RouteRateLimit]
    /// Where this route's statistics and metrics are kept in ``GatewayTelemetry``.
    let telemetrySlot: Int
    /// Whole-request deadline in nanoseconds.
    let timeoutNanoseconds: Int64
    /// The route's response-cache rules (`routes[].cache`), nil when it does not cache.
    let cacheRules: CacheRouteRules?
    /// How long another instance waits on this route's cross-instance fetch lock.
    let cacheLockTimeout: Duration
    /// The route's label in metrics, the access log and the admin API: its name, or else its prefix.
    var label: String { settings.label }

    init(
        index: Int, settings: RouteSettings, cluster: UpstreamCluster, rateLimits: [RateLimitClass], telemetrySlot: Int,
        cache: CacheSettings? = nil
    ) {
        self.index = index
        self.telemetrySlot = telemetrySlot
        self.settings = settings
        self.cluster = cluster
        self.rateLimits = rateLimits.map { RouteRateLimit(rateLimitClass: $0, keyPrefix: RouteRateLimiter.generation(of: $0.policy)) }
        let timeout = settings.timeout ?? cluster.settings.timeout
        self.timeoutNanoseconds = timeout.nanoseconds
        self.cacheRules = settings.cache.map { route in
            CacheRouteRules(
                ttl: route.ttl, staleWhileRevalidate: route.staleWhileRevalidate, staleIfError: route.staleIfError,
                vary: route.vary, cacheAuthorized: route.authorized, cacheSetCookie: route.setCookie,
                maxObjectBytes: cache?.maxObjectBytes ?? CacheSettings.Defaults.maxObjectBytes
            )
        }
        self.cacheLockTimeout = cache?.lockTimeout ?? timeout
    }

    func matches(method: HTTPMethod, path: Substring, claims: Claims?, ignoringClaims: Bool = false) -> Bool {
        if let methods = settings.methods, !methods.contains(method.rawValue) { return false }
        guard Router.path(path, hasPrefix: settings.pathPrefix) else { return false }
        return ignoringClaims || Router.claims(claims, match: settings.claims)
    }
}

/// Chooses the route for a request: the first, in configuration order, whose prefix, method and
/// claims (`routes[].claims`) match.
struct Router: Sendable {
    let routes: [CompiledRoute]
    /// Whether any route is chosen by claims (`routes[].claims`): only then does routing need a
    /// request's token verified first.
    let usesClaims: Bool

    init(routes: [CompiledRoute]) {
        self.routes = routes
        self.usesClaims = routes.contains { !$0.settings.claims.isEmpty }
    }

    /// The route for a canonical path (see ``PathCanonicalizer``) and the request's verified claims (nil
    /// without a verified token: routes that ask for claims are passed over).
    func route(method: HTTPMethod, path: Substring, claims: Claims? = nil) -> CompiledRoute? {
        routes.first { $0.matches(method: method, path: path, claims: claims) }
    }

    /// The first route whose prefix and method match, whatever its `claims`: whether a request that
    /// matched no route would have had one with the right token.
    func route(method: HTTPMethod, path: Substring, ignoringClaims: Bool) -> CompiledRoute? {
        routes.first { $0.matches(method: method, path: path, claims: nil, ignoringClaims: ignoringClaims) }
    }

    /// Whether `claims` satisfy a route's `routes[].claims`: every one named is there and matches
    /// (``ClaimValue/matches(_:)``). No required claims: always.
    static func claims(_ claims: Claims?, match required: [String: String]) -> Bool {
        if required.isEmpty { return true }
        guard let claims else { return false }
        return required.allSatisfy { name, value in claims[name]?.matches(value) ?? false }
    }

    /// The route for a request target as received (its query and fragment ignored). Routing on a raw
    /// target lets other spellings of a path escape their route: the gateway routes vetted paths.
    func route(method: HTTPMethod, uri: String) -> CompiledRoute? {
        let path = uri.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }).map { uri[..<$0] } ?? uri[...]
        return route(method: method, path: path)
    }

    /// Prefix matching on whole path segments when the prefix ends without a slash: `/api` matches
    /// `/api`, `/api/x` and `/api?q`, not `/apix`.
    static func path(_ path: Substring, hasPrefix prefix: String) -> Bool {
        guard path.hasPrefix(prefix) else { return false }
        if prefix.hasSuffix("/") || path.utf8.count == prefix.utf8.count { return true }
        let next = path.utf8[path.utf8.index(path.utf8.startIndex, offsetBy: prefix.utf8.count)]
        return next == UInt8(ascii: "/")
    }
}
