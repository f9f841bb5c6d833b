/// A route's cache settings, as read from configuration; the input to the cache rules.
///
/// | Setting | Default | Meaning |
/// | --- | --- | --- |
/// | `ttl` | 60 s | Heuristic freshness for heuristically cacheable statuses without explicit freshness. |
/// | `staleWhileRevalidate` | 0 | Stale-while-revalidate window when the response declares none. |
/// | `staleIfError` | 0 | Stale-if-error window when the response declares none. |
/// | `vary` | `[]` | Request fields always part of the cache key, besides the response's `Vary`. |
/// | `cacheAuthorized` | `false` | Whether requests with `Authorization` or `Cookie` may be served from the cache. |
/// | `cacheSetCookie` | `false` | Whether a response with `Set-Cookie` may be stored (only if also `public`). |
/// | `maxObjectBytes` | 1 MiB | Largest body stored. |
///
/// Upstream `Cache-Control` always wins over these defaults; see ``ResponseStorability``.
struct CacheRouteRules: Equatable, Sendable {
    /// Heuristic freshness lifetime (RFC 9111 §4.2.2) used only when the response has no explicit freshness and
    /// its status is heuristically cacheable. Zero stores no such response.
    var ttl: Duration
    /// How long past its freshness a response may be served while it is revalidated in the background, when the
    /// response carries no `stale-while-revalidate` of its own.
    var staleWhileRevalidate: Duration
    /// How long past its freshness a response may be served when the origin fails, when the response carries no
    /// `stale-if-error` of its own.
    var staleIfError: Duration
    /// Request field names (any case) that are always part of the variant key, as if listed in `Vary`.
    var vary: [String]
    /// When `false`, requests with `Authorization` or `Cookie` bypass the cache lookup. When `true`, such
    /// requests are looked up. Either way their responses are stored only when the origin allows sharing
    /// them: RFC 9111 §3.5 for `Authorization` (`public`, `s-maxage` or `must-revalidate`), `public` for
    /// `Cookie`.
    var cacheAuthorized: Bool
    /// When `false`, a response with `Set-Cookie` is never stored. When `true`, it is stored only if it is also
    /// `public`, so one client's cookie is handed to others only when the origin says the response is shared.
    var cacheSetCookie: Bool
    /// Responses whose `Content-Length` exceeds this are not stored.
    var maxObjectBytes: Int

    /// Makes rules; every parameter defaults as the table on the type says.
    init(
        ttl: Duration = .seconds(60),
        staleWhileRevalidate: Duration = .zero,
        staleIfError: Duration = .zero,
        vary: [String] = [],
        cacheAuthorized: Bool = false,
        cacheSetCookie: Bool = false,
        maxObjectBytes: Int = 1 << 20
    ) {
        self.ttl = ttl
        self.staleWhileRevalidate = staleWhileRevalidate
        self.staleIfError = staleIfError
        self.vary = vary
        self.cacheAuthorized = cacheAuthorized
        self.cacheSetCookie = cacheSetCookie
        self.maxObjectBytes = maxObjectBytes
    }
}
