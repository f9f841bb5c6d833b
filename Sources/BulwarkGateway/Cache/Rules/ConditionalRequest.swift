import NIOHTTP1

/// Whether a client's conditional GET or HEAD can be answered 304 from a stored response (RFC 9110 §13).
enum ConditionalRequest: Equatable, Sendable {
    /// The client's copy is current: answer 304 Not Modified.
    case notModified
    /// Send the full stored response.
    case sendFull

    /// Evaluates `If-None-Match` and `If-Modified-Since` against the stored response's validators.
    ///
    /// Precedence (§13.2.2): when `If-None-Match` is present, `If-Modified-Since` is ignored.
    /// - `If-None-Match` (§13.1.2): `*` matches any stored response; otherwise any listed tag that weakly matches
    ///   the stored `ETag` (all field lines, comma lists) gives ``notModified``. No stored `ETag`: no match.
    /// - `If-Modified-Since` (§13.1.3): only with exactly one valid HTTP-date and a valid stored `Last-Modified`;
    ///   ``notModified`` when the stored `Last-Modified` is not later than it. Otherwise the field is ignored.
    ///
    /// The other preconditions (`If-Match`, `If-Unmodified-Since`, `If-Range`) are for the origin:
    /// ``RequestCacheability`` bypasses requests that carry them (`If-Range` comes with `Range`).
    static func evaluate(requestHeaders: HTTPHeaders, storedETag: String?, storedLastModified: String?) -> ConditionalRequest {
        let noneMatch = requestHeaders["if-none-match"]
        if !noneMatch.isEmpty {
            if noneMatch.contains(where: { $0.trimmingOWS() == "*" }) { return .notModified }
            guard let storedETag, let stored = EntityTag(storedETag[...]) else { return .sendFull }
            let matches = noneMatch.flatMap(EntityTag.list).contains { $0.weaklyMatches(stored) }
            return matches ? .notModified : .sendFull
        }
        let modifiedSince = requestHeaders["if-modified-since"]
        guard modifiedSince.count == 1, let since = HTTPDate.parse(modifiedSince[0]),
              let storedLastModified, let lastModified = HTTPDate.parse(storedLastModified)
        else { return .sendFull }
        return lastModified <= since ? .notModified : .sendFull
    }
}
