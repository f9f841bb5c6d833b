import NIOHTTP1

/// Which stored responses an unsafe request makes obsolete (RFC 9111 §4.4).
///
/// After a non-error answer (2xx or 3xx) to a method that is not known to be safe, the cache must invalidate the
/// target URI, and may invalidate the URIs in `Location` and `Content-Location` when they have the same origin.
/// The wiring turns the returned targets into primary keys with ``CacheKey/primary(method:scheme:host:path:query:)``
/// and removes every variant under them.
enum CacheInvalidation {
    /// A same-origin URI named by the response: path and query (without `?`; `nil` when there is none).
    struct Target: Equatable, Sendable {
        /// The path, as written in the field (not canonicalised here).
        var path: String
        /// The query without `?`, or `nil` when the URI has no `?`.
        var query: String?
    }

    /// Methods RFC 9110 §9.2.1 defines as safe; any other method (including unknown ones) invalidates.
    static let safeMethods: [HTTPMethod] = [.GET, .HEAD, .OPTIONS, .TRACE]

    /// Whether this exchange invalidates the request's target URI: an unsafe method and a 2xx or 3xx status.
    static func invalidatesTarget(method: HTTPMethod, status: HTTPResponseStatus) -> Bool {
        !safeMethods.contains(method) && (200..<400).contains(status.code)
    }

    /// The same-origin URIs in the response's `Location` and `Content-Location` (§4.4), when the exchange
    /// invalidates at all; empty otherwise.
    ///
    /// A field counts when it is an absolute path (`/a?b`), or an absolute URI whose scheme and host (default
    /// port removed, case-insensitive) are the request's. Other relative references, and `//host/…` network-path references, are ignored.
    ///
    /// - Parameters:
    ///   - scheme: the request's scheme, `http` or `https`.
    ///   - host: the request's host and optional port, as for ``CacheKey/primary(method:scheme:host:path:query:)``.
    static func relatedTargets(method: HTTPMethod, status: HTTPResponseStatus, responseHeaders: HTTPHeaders, scheme: String, host: String) -> [Target] {
        guard invalidatesTarget(method: method, status: status) else { return [] }
        let origin = CacheKey.primary(method: .GET, scheme: scheme, host: host, path: "", query: nil)
        var targets: [Target] = []
        for name in ["location", "content-location"] {
            guard let value = responseHeaders.first(name: name).map({ String($0.trimmingOWS()) }), !value.isEmpty else { continue }
            var reference = Substring(value)
            if reference.hasPrefix("//") { continue }   // a network-path reference names its own host; skipped
            if !reference.hasPrefix("/") {
                guard let schemeEnd = reference.range(of: "://") else { continue }
                let otherScheme = String(reference[..<schemeEnd.lowerBound])
                let rest = reference[schemeEnd.upperBound...]
                let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
                let otherOrigin = CacheKey.primary(method: .GET, scheme: otherScheme, host: String(rest[..<authorityEnd]), path: "", query: nil)
                guard otherOrigin == origin else { continue }
                reference = rest[authorityEnd...]
                if !reference.hasPrefix("/") { reference = "/" + reference }
            }
            if let hash = reference.firstIndex(of: "#") { reference = reference[..<hash] }
            let target: Target
            if let mark = reference.firstIndex(of: "?") {
                target = Target(path: String(reference[..<mark]), query: String(reference[reference.index(after: mark)...]))
            } else {
                target = Target(path: String(reference), query: nil)
            }
            if !targets.contains(target) { targets.append(target) }
        }
        return targets
    }
}
