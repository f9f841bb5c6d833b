import NIOHTTP1

/// The value of the cache status field (e.g. `X-Cache`) on a response sent to a client.
enum CacheStatus: String, Sendable {
    /// Served from the cache, fresh.
    case hit = "HIT"
    /// Fetched from the origin (and maybe stored).
    case miss = "MISS"
    /// Served stale (stale-while-revalidate, stale-if-error or a client's max-stale).
    case stale = "STALE"
    /// Served from the cache after the origin confirmed it with a 304.
    case revalidated = "REVALIDATED"
    /// The cache was not consulted.
    case bypass = "BYPASS"
}

/// Preparing a response head the cache sends to a client.
enum CachedResponseHeaders {
    /// Fields a 304 answer to a client keeps (RFC 9110 §15.4.5); `last-modified` only when there is no `ETag`.
    static let notModifiedFields: Set<String> = ["cache-control", "content-location", "date", "etag", "expires", "vary"]

    /// Returns `head` with `Age` and the cache status field set, replacing any earlier values.
    ///
    /// For a 304 head, only the fields of ``notModifiedFields`` are kept (plus `Last-Modified` when there is no
    /// `ETag`, as §15.4.5 suggests), before `Age` and the status field are added.
    ///
    /// - Parameters:
    ///   - head: the stored (or origin) response head; set `status` to `.notModified` to answer a conditional request.
    ///   - age: the current age in seconds (``CacheFreshness/currentAge(initialAge:storedAt:now:)``); `nil`
    ///     leaves any `Age` as it is (e.g. on a miss).
    ///   - statusHeaderName: the cache status field name, e.g. `X-Cache`.
    ///   - status: the cache status.
    static func prepare(_ head: HTTPResponseHead, age: Int64?, statusHeaderName: String, status: CacheStatus) -> HTTPResponseHead {
        var head = head
        if head.status == .notModified {
            let keepLastModified = !head.headers.contains(name: "etag")
            head.headers = HTTPHeaders(head.headers.filter { field in
                let name = field.name.lowercased()
                return notModifiedFields.contains(name) || (keepLastModified && name == "last-modified")
            }.map { ($0.name, $0.value) })
        }
        if let age { head.headers.replaceOrAdd(name: "Age", value: String(max(0, age))) }
        head.headers.replaceOrAdd(name: statusHeaderName, value: status.rawValue)
        return head
    }
}
