import NIOHTTP1

/// Removes hop-by-hop header fields (RFC 9110 §7.6.1): the fixed list plus every field named in
/// `Connection`. They describe one connection and must not be forwarded.
enum HopByHopHeaders {
    static let fixed: [String] = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade",
    ]

    /// Strips hop-by-hop fields from `headers`; returns whether the message was chunked.
    @discardableResult
    static func strip(_ headers: inout HTTPHeaders) -> Bool {
        var chunked = false
        var named: [String] = []
        for (name, value) in headers {
            if name.utf8.count == 10, name.lowercased() == "connection" {
                for token in value.split(separator: ",") {
                    let trimmed = token.trimmingCharacters().lowercased()
                    if !trimmed.isEmpty, trimmed != "close", trimmed != "keep-alive" { named.append(trimmed) }
                }
            } else if name.utf8.count == 17, name.lowercased() == "transfer-encoding" {
                chunked = chunked || value.lowercased().contains("chunked")
            }
        }
        for name in fixed where headers.contains(name: name) { headers.remove(name: name) }
        for name in named { headers.remove(name: name) }
        return chunked
    }
}
