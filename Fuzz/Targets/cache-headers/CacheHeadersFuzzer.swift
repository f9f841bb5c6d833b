@testable import BulwarkGateway
import NIOHTTP1

/// Feeds the input, split into field values at line feeds, to the response cache's parsers of what
/// clients and upstreams send: `Cache-Control` (request and response), HTTP dates, entity-tag lists, and
/// the decisions built on them (storability, freshness, conditional requests). Nothing may trap, and:
/// formatting parsed directives and parsing them again gives the same directives; a parsed date formats
/// and parses back to itself; a storable response has non-negative lifetimes and windows.
@_cdecl("LLVMFuzzerTestOneInput")
public func cacheHeadersFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let values = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let value = { (index: Int) in values.indices.contains(index) ? values[index] : "" }

    let directives = CacheDirective.parse(fieldValue: value(0))
    let again = CacheDirective.parse(fieldValue: CacheDirective.format(directives))
    if again != directives { fatalError("format/parse changed the directives: \(directives) → \(again)") }

    if let seconds = HTTPDate.parse(value(1)), HTTPDate.parse(HTTPDate.format(seconds)) != seconds {
        fatalError("date \(seconds) does not survive format/parse (\(HTTPDate.format(seconds)))")
    }
    _ = EntityTag.list(value(2))

    var response = HTTPHeaders()
    for (name, index) in [("Cache-Control", 0), ("Date", 1), ("ETag", 2), ("Expires", 3), ("Vary", 4), ("Age", 5), ("Last-Modified", 1)] {
        response.add(name: name, value: value(index))
    }
    var request = HTTPHeaders()
    request.add(name: "Cache-Control", value: value(6))
    request.add(name: "If-None-Match", value: value(2))
    request.add(name: "If-Modified-Since", value: value(3))
    let requestHead = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: request)
    _ = RequestCacheability.evaluate(head: requestHead, rules: CacheRouteRules())
    let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: response)
    if case .store(let decision) = ResponseStorability.evaluate(request: requestHead, response: head, rules: CacheRouteRules(), receivedAt: 1_800_000_000, contentLength: 10) {
        if decision.freshnessLifetime < 0 || decision.staleWhileRevalidate < 0 || decision.staleIfError < 0 || decision.initialAge < 0 {
            fatalError("negative lifetime or window: \(decision)")
        }
        _ = CacheFreshness.evaluate(decision: decision, storedAt: 1_800_000_000, now: 1_800_000_100, request: RequestCacheControl(headers: request))
        _ = ConditionalRequest.evaluate(requestHeaders: request, storedETag: decision.entityTag, storedLastModified: decision.lastModified)
        _ = Revalidation.merge(stored: response, notModified: request)
    }
    return 0
}
