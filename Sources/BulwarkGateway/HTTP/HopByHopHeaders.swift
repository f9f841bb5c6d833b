import NIOHTTP1

/// Hop-by-hop header fields (RFC 9110 §7.6.1): the fixed list plus the options named in `Connection`.
/// They describe one connection and are not forwarded. `Connection` may only name true hop-by-hop
/// fields: framing, `Host` and every field of the ``TrustBoundary`` are never removed through it.
enum HopByHopHeaders {
    /// Removed from every message the gateway forwards.
    static let fixed: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade", "http2-settings",
    ]

    /// The most distinct options one message's `Connection` fields may name.
    static let maximumConnectionOptions = 32

    /// What a message's `Connection` fields say, read once.
    struct ConnectionOptions: Equatable {
        /// Lower-cased, de-duplicated field names to remove (protected names never appear).
        var named: Set<String> = []
        var close = false
        var keepAlive = false
        var upgrade = false
        /// More distinct options than ``maximumConnectionOptions``.
        var tooMany = false

        /// Adds the options of one `Connection` field value.
        mutating func add(_ value: String) {
            guard !tooMany else { return }
            for token in value.split(separator: ",") {
                let option = token.trimmingCharacters().lowercased()
                switch option {
                case "": continue
                case "close": close = true
                case "keep-alive": keepAlive = true
                case "upgrade": upgrade = true
                default:
                    if TrustBoundary.protectedFromConnection.contains(option) || named.contains(option) { continue }
                    if named.count == maximumConnectionOptions {
                        tooMany = true
                        return
                    }
                    named.insert(option)
                }
            }
        }
    }

    /// Reads every `Connection` field of `headers`.
    static func connectionOptions(_ headers: HTTPHeaders) -> ConnectionOptions {
        var options = ConnectionOptions()
        for (name, value) in headers where HeaderName.of(name) == .connection { options.add(value) }
        return options
    }

    /// Removes hop-by-hop fields from a message being forwarded, in one pass.
    static func strip(_ headers: inout HTTPHeaders) {
        let options = connectionOptions(headers)
        guard headers.contains(where: { isHopByHop($0.name, options) }) else { return }
        var kept = HTTPHeaders()
        kept.reserveCapacity(headers.count)
        for (name, value) in headers where !isHopByHop(name, options) { kept.add(name: name, value: value) }
        headers = kept
    }

    static func isHopByHop(_ name: String, _ options: ConnectionOptions) -> Bool {
        switch HeaderName.of(name) {
        case .connection, .hopByHop, .transferEncoding: return true
        default: return !options.named.isEmpty && options.named.contains(name.lowercased())
        }
    }
}
