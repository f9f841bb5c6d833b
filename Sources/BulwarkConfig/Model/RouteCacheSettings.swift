/// `routes[].cache`: which of a route's responses the gateway stores, and for how long.
///
/// ```yaml
/// routes:
///   - path_prefix: /api/catalog
///     upstream: app
///     cache: { ttl: 60s, stale_while_revalidate: 30s, stale_if_error: 10m, vary: [Accept-Language] }
/// ```
///
/// Only `GET` and `HEAD` responses are cached, so a route whose `methods` lists neither cannot cache.
/// Upgraded connections and streaming responses pass through a caching route uncached. The stores,
/// budgets and headers are in the top-level `cache:` section (``CacheSettings``), which a caching
/// route gets with its defaults when the file has none.
public struct RouteCacheSettings: Sendable, Hashable {
    /// The defaults of `routes[].cache`, in one place for decoding, docs and tests.
    public enum Defaults {
        /// `stale_while_revalidate`: 0, no stale answers while refreshing.
        public static let staleWhileRevalidate: Duration = .zero
        /// `stale_if_error`: 0, no stale answers when the upstream fails.
        public static let staleIfError: Duration = .zero
        /// `vary`: none beyond what the upstream's own `Vary` names.
        public static let vary: [String] = []
        /// `authorized`: false.
        public static let authorized = false
        /// `set_cookie`: false.
        public static let setCookie = false
        /// The shortest `ttl` accepted: 1 ms.
        public static let minimumTTL: Duration = .milliseconds(1)
    }

    /// How long a stored response is served as fresh (`ttl`, required, at least 1 ms).
    public var ttl: Duration
    /// How long past ``ttl`` a stale response may still be served while one request refreshes it in the
    /// background (`stale_while_revalidate`). Defaults to ``Defaults/staleWhileRevalidate`` (0).
    public var staleWhileRevalidate: Duration = Defaults.staleWhileRevalidate
    /// How long past ``ttl`` a stale response may be served when the upstream fails or cannot be reached
    /// (`stale_if_error`). Defaults to ``Defaults/staleIfError`` (0).
    public var staleIfError: Duration = Defaults.staleIfError
    /// Request headers that tell stored responses apart besides the URL (`vary`: header names,
    /// lower-cased, each once, in file order). Defaults to ``Defaults/vary`` (none).
    public var vary: [String] = Defaults.vary
    /// Whether a request carrying `Authorization` or `Cookie` may be answered from, and stored in, the
    /// cache (`authorized`). When false, such a request's response is stored only when it says
    /// `Cache-Control: public`. Defaults to ``Defaults/authorized`` (false).
    public var authorized: Bool = Defaults.authorized
    /// Whether a response carrying `Set-Cookie` may be stored (`set_cookie`). When false, such a
    /// response is never stored. Defaults to ``Defaults/setCookie`` (false).
    public var setCookie: Bool = Defaults.setCookie

    /// Settings that keep responses fresh for `ttl`, with every other default.
    public init(ttl: Duration) {
        self.ttl = ttl
    }
}
