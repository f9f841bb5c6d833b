import NIOHTTP1

/// The response directives of `Cache-Control` that a shared cache acts on (RFC 9111 §5.2.2, RFC 5861, RFC 8246).
///
/// Parsed from every `Cache-Control` field line. Duplicates and bad values resolve to the most restrictive
/// reading (RFC 9111 §4.2.1):
/// - flags (`no-store`, `private`, …) are set if any occurrence says so;
/// - `no-cache="Set-Cookie"` and `private="X"` (the field-name forms) count as plain `no-cache` / `private`,
///   the whole response rather than only the named fields;
/// - `max-age` and `s-maxage` take the smallest value, and a value that is not delta-seconds counts as 0, so the
///   response is stale (§4.2.1: "consider responses that have invalid freshness information … to be stale");
/// - `stale-while-revalidate` and `stale-if-error` take the smallest valid value; an invalid value is ignored.
/// Unknown directives are ignored (§5.2.3).
struct ResponseCacheControl: Equatable, Sendable {
    /// `no-store` (§5.2.2.5): the response must not be stored.
    var noStore = false
    /// `no-cache` (§5.2.2.4), in either form: the response must be validated before every reuse.
    var noCache = false
    /// `private` (§5.2.2.7), in either form: a shared cache must not store it.
    var isPrivate = false
    /// `public` (§5.2.2.9).
    var isPublic = false
    /// `max-age` in seconds (§5.2.2.1); `nil` when absent.
    var maxAge: Int64?
    /// `s-maxage` in seconds (§5.2.2.10); `nil` when absent.
    var sharedMaxAge: Int64?
    /// `must-revalidate` (§5.2.2.2): never serve it stale.
    var mustRevalidate = false
    /// `proxy-revalidate` (§5.2.2.8): as `must-revalidate`, for shared caches.
    var proxyRevalidate = false
    /// `stale-while-revalidate` in seconds (RFC 5861 §3); `nil` when absent or invalid.
    var staleWhileRevalidate: Int64?
    /// `stale-if-error` in seconds (RFC 5861 §4); `nil` when absent or invalid.
    var staleIfError: Int64?
    /// `immutable` (RFC 8246): the content will not change while fresh.
    var immutable = false

    /// No directives.
    init() {}

    /// Reads every `Cache-Control` field line of a response.
    init(headers: HTTPHeaders) {
        self.init(directives: CacheDirective.parse(headers, fieldName: "cache-control"))
    }

    /// Builds from parsed directives, resolving duplicates and bad values as described on the type.
    init(directives: [CacheDirective]) {
        for directive in directives {
            switch directive.name {
            case "no-store": noStore = true
            case "no-cache": noCache = true
            case "private": isPrivate = true
            case "public": isPublic = true
            case "must-revalidate": mustRevalidate = true
            case "proxy-revalidate": proxyRevalidate = true
            case "immutable": immutable = true
            case "max-age": maxAge = Self.smallest(maxAge, DeltaSeconds.parse(directive.argument) ?? 0)
            case "s-maxage": sharedMaxAge = Self.smallest(sharedMaxAge, DeltaSeconds.parse(directive.argument) ?? 0)
            case "stale-while-revalidate":
                staleWhileRevalidate = Self.smallest(staleWhileRevalidate, DeltaSeconds.parse(directive.argument))
            case "stale-if-error":
                staleIfError = Self.smallest(staleIfError, DeltaSeconds.parse(directive.argument))
            default: break
            }
        }
    }

    /// The smaller of two optional values, ignoring `nil`.
    static func smallest(_ current: Int64?, _ new: Int64?) -> Int64? {
        guard let current else { return new }
        guard let new else { return current }
        return min(current, new)
    }
}
