import NIOCore
import NIOHTTP1

/// A response as the gateway's cache keeps it: its status, fields and body, when it was stored and what
/// the caching rules decided about it (freshness, windows, validators, vary names).
struct StoredResponse: Equatable, Sendable {
    /// The status code.
    var status: UInt
    /// The response's fields as the upstream sent them (hop-by-hop fields removed).
    var headers: HTTPHeaders
    /// The whole body.
    var body: ByteBuffer
    /// When it was stored, Unix seconds.
    var storedAt: Int64
    /// What ``ResponseStorability`` decided.
    var decision: CachePolicyDecision

    /// The head to send, in the client's HTTP version.
    func head(version: HTTPVersion) -> HTTPResponseHead {
        HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: Int(status)), headers: headers)
    }

    /// How long the caches keep it, from when it was stored: its freshness, the longer of its stale
    /// windows, and, when it has a validator, one more lifetime (long enough to be revalidated with a
    /// `304` instead of fetched again). At least one second.
    var retention: Duration {
        let fresh = max(0, decision.freshnessLifetime - decision.initialAge)
        let windows = max(decision.staleWhileRevalidate, decision.staleIfError)
        let validatable = decision.entityTag != nil || decision.lastModified != nil ? max(decision.freshnessLifetime, 60) : 0
        return .seconds(max(1, fresh + windows + validatable))
    }
}

extension StoredResponse {
    /// A response to store: hop-by-hop fields and the cache's own status field removed, and the body's
    /// length as `Content-Length` (a chunked response is stored whole), so a hit sends the fields as they are.
    init(status: UInt, headers: HTTPHeaders, body: ByteBuffer, storedAt: Int64, decision: CachePolicyDecision, statusHeader: String) {
        var headers = headers
        HopByHopHeaders.strip(&headers)
        headers.remove(name: statusHeader)
        headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        self.init(status: status, headers: headers, body: body, storedAt: storedAt, decision: decision)
    }
}

/// What the cache keeps under a primary key when the response varies: the request fields its variants
/// are keyed by. The variants themselves are under ``CacheKey/variant(primary:varyNames:requestHeaders:)``.
struct VariantIndex: Equatable, Sendable {
    /// Lower-cased, sorted field names.
    var varyFieldNames: [String]
    /// Part of every variant's key: an index stored anew (after the primary key was invalidated) gets a
    /// new generation, so variants stored under the old one are never reached again.
    var generation: UInt64

    /// The key of the variant `requestHeaders` select.
    func variantKey(primary: String, requestHeaders: HTTPHeaders) -> String {
        CacheKey.variant(primary: "\(primary)|g\(generation)", varyNames: varyFieldNames, requestHeaders: requestHeaders)
    }
}

/// What is stored under one key: a response, or (under a primary key whose response varies) the index
/// of its variants.
enum StoredEntry: Equatable, Sendable {
    case response(StoredResponse)
    case variants(VariantIndex)
}
