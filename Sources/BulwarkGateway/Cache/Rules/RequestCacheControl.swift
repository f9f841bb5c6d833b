import NIOHTTP1

/// The request directives of `Cache-Control` a cache acts on (RFC 9111 §5.2.1), plus `Pragma: no-cache` (§5.4).
///
/// Duplicates resolve to the most restrictive reading: the smallest `max-age`, the largest `min-fresh`, the
/// smallest `max-stale` (a bare `max-stale` only counts when no bounded one is present). A directive whose
/// argument is not delta-seconds is ignored: a bad client value should not change what the cache does.
struct RequestCacheControl: Equatable, Sendable {
    /// How much staleness a `max-stale` request accepts (§5.2.1.2).
    enum MaxStale: Equatable, Sendable {
        /// `max-stale` without a value: any staleness.
        case unlimited
        /// `max-stale=N`: at most N seconds past the freshness lifetime.
        case seconds(Int64)
    }

    /// `no-store` (§5.2.1.5): neither store this request nor its response.
    var noStore = false
    /// `no-cache` (§5.2.1.4), or `Pragma: no-cache` without `Cache-Control` (§5.4): validate before use.
    var noCache = false
    /// `only-if-cached` (§5.2.1.7): answer from the cache or with 504.
    var onlyIfCached = false
    /// `max-age` (§5.2.1.1): the client refuses a response older than this many seconds.
    var maxAge: Int64?
    /// `max-stale` (§5.2.1.2).
    var maxStale: MaxStale?
    /// `min-fresh` (§5.2.1.3): the response must stay fresh for at least this many more seconds.
    var minFresh: Int64?

    /// No directives.
    init() {}

    /// Reads all `Cache-Control` field lines of a request; `Pragma: no-cache` counts only when there is none.
    init(headers: HTTPHeaders) {
        if headers.contains(name: "cache-control") {
            self.init(directives: CacheDirective.parse(headers, fieldName: "cache-control"))
        } else {
            self.init()
            noCache = CacheDirective.parse(headers, fieldName: "pragma").contains { $0.name == "no-cache" }
        }
    }

    /// Builds from parsed directives, resolving duplicates as described on the type.
    init(directives: [CacheDirective]) {
        for directive in directives {
            let seconds = DeltaSeconds.parse(directive.argument)
            switch directive.name {
            case "no-store": noStore = true
            case "no-cache": noCache = true
            case "only-if-cached": onlyIfCached = true
            case "max-age": maxAge = ResponseCacheControl.smallest(maxAge, seconds)
            case "min-fresh": if let seconds { minFresh = max(minFresh ?? 0, seconds) }
            case "max-stale": maxStale = Self.tighter(maxStale, directive.argument == nil ? .unlimited : seconds.map { .seconds($0) })
            default: break
            }
        }
    }

    /// The more restrictive of two `max-stale` readings, ignoring `nil`.
    private static func tighter(_ current: MaxStale?, _ new: MaxStale?) -> MaxStale? {
        switch (current, new) {
        case (nil, _): return new
        case (_, nil), (_, .unlimited): return current
        case (.unlimited, .seconds): return new
        case (.seconds(let a), .seconds(let b)): return .seconds(min(a, b))
        }
    }
}
