import NIOHTTP1

/// One exchange's dealings with the response cache, kept by the shell (`ProxyExchange+Cache`).
struct CacheVisit {
    /// The cache.
    let cache: ResponseCache
    /// The route's rules.
    let rules: CacheRouteRules
    /// The request's primary key.
    let primary: String
    /// Whether the request may be served from the cache (`lookup`), must be validated first
    /// (`revalidate`: the client sent `no-cache`), or bypasses it.
    let cacheability: RequestCacheability
    /// The request's cache directives.
    let requestDirectives: RequestCacheControl
    /// How long a cross-instance fetch lock lasts (the route's timeout, or `cache.lock_timeout`).
    let lockTimeout: Duration

    /// The longest a request waits for another's fetch of its key before fetching itself: the lock's
    /// time, at most 5 s (nginx's `proxy_cache_lock_timeout`).
    var collapseWait: Duration { min(lockTimeout, .seconds(5)) }
    /// The stored response found (to serve, to revalidate or to fall back on), and its key.
    var found: (key: String, response: StoredResponse)?
    /// The exchange leads the fetch of ``primary`` and must land it (`CacheFlights`).
    var leadsFetch = false
    /// The cross-instance lock this exchange holds, if any.
    var lockToken: String?
    /// The response being recorded to store, if any.
    var recorder: ResponseRecorder?
    /// What this request fetches if it goes upstream itself: the stored response it revalidates, and
    /// whether that may stand in for a failure.
    var pendingFetch: (stored: StoredResponse?, staleFallback: Bool)?
    /// Joining another fetch already happened once (a second wait would go upstream instead).
    var waitedOnce = false
    /// The request waited for another request's fetch (so its own fetch gets its whole timeout afresh).
    var waited = false
    /// The invalidation count when the fetch started: a purge after it means the response is not stored.
    var epoch: UInt64 = 0
    /// The cache status of the response relayed or served.
    var status: CacheStatus = .miss
}

extension RequestCacheability {
    /// Whether the request is looked up in the cache at all.
    var consultsCache: Bool {
        switch self {
        case .lookup, .revalidate: true
        case .bypass: false
        }
    }
}
