import NIOHTTP1

/// Validating a stored response with the origin (RFC 9111 §4.3).
enum Revalidation {
    /// Fields a 304 must not change in the stored response (§3.2, §3.1): framing and hop-by-hop fields.
    static let fieldsNotUpdated: Set<String> = [
        "content-length", "transfer-encoding", "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade",
    ]

    /// The conditional fields to add to the request sent upstream (§4.3.1).
    ///
    /// `If-None-Match` carries the stored `ETag`; `If-Modified-Since` carries the stored `Last-Modified` (sent as
    /// well, for origins that ignore entity-tags; RFC 9110 §13.2.2 makes the origin prefer `If-None-Match`).
    /// Empty when the response has no validator.
    static func requestHeaders(etag: String?, lastModified: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let etag, !etag.isEmpty { headers.add(name: "If-None-Match", value: etag) }
        if let lastModified, !lastModified.isEmpty { headers.add(name: "If-Modified-Since", value: lastModified) }
        return headers
    }

    /// The stored response's fields freshened by a 304 (§3.2, §4.3.4).
    ///
    /// Every field in the 304 replaces all stored lines of that name, except ``fieldsNotUpdated`` and the fields
    /// the 304's `Connection` names. Stored fields the 304 does not mention are kept, in their order; replaced
    /// ones come after them, in the 304's order.
    static func merge(stored: HTTPHeaders, notModified: HTTPHeaders) -> HTTPHeaders {
        let connectionNamed = Set(notModified["connection"].flatMap { $0.split(separator: ",") }.map { $0.trimmingOWS().lowercased() })
        let updates = notModified.filter { field in
            let name = field.name.lowercased()
            return !fieldsNotUpdated.contains(name) && !connectionNamed.contains(name)
        }
        let replaced = Set(updates.map { $0.name.lowercased() })
        var merged = HTTPHeaders(stored.filter { !replaced.contains($0.name.lowercased()) }.map { ($0.name, $0.value) })
        for field in updates { merged.add(name: field.name, value: field.value) }
        return merged
    }
}
