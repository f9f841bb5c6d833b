import Yams

/// `server.http2` (its defaults are in ``HTTP2Settings/Defaults``). Read after `server.tls`, which
/// decides whether `h2c` makes sense.
extension ConfigReader {
    mutating func readHTTP2(_ node: Node?, into server: inout ServerSettings) {
        guard let node else { return }
        let keys = ["enabled", "h2c", "max_concurrent_streams", "max_header_list_size", "initial_window_size"]
        guard let entries = mapping(node, at: "server.http2", allowed: keys) else { return }
        var http2 = HTTP2Settings()
        if let enabled = bool(entries["enabled"], at: "server.http2.enabled") { http2.enabled = enabled }
        if let h2c = bool(entries["h2c"], at: "server.http2.h2c") {
            if h2c, !http2.enabled {
                report("server.http2.h2c", "needs server.http2.enabled: h2c is HTTP/2 without TLS")
            } else if h2c, server.tls != nil {
                report("server.http2.h2c", "is for a plaintext listener; this one speaks TLS (server.tls), where ALPN offers h2")
            } else {
                http2.h2c = h2c
            }
        }
        // RFC 9113 §6.5.2 recommends at least 100 streams; fewer than 1 would refuse every request.
        if let value = int(entries["max_concurrent_streams"], at: "server.http2.max_concurrent_streams", in: 1...10_000) {
            http2.maxConcurrentStreams = value
        }
        if let value = value(entries["max_header_list_size"], at: "server.http2.max_header_list_size", ByteSizeSyntax.parse) {
            if value < 1024 || value > 1024 * 1024 {
                report("server.http2.max_header_list_size", "must be between 1KiB and 1MiB, got \(value) bytes")
            } else {
                http2.maxHeaderListSize = value
            }
        }
        if let value = value(entries["initial_window_size"], at: "server.http2.initial_window_size", ByteSizeSyntax.parse) {
            // 65,535 is the protocol's initial window; 2^31-1 its largest (RFC 9113 §6.9.2).
            if value < 65_535 || value > 16 * 1024 * 1024 {
                report("server.http2.initial_window_size", "must be between 64KiB and 16MiB, got \(value) bytes")
            } else {
                http2.initialWindowSize = value
            }
        }
        server.http2 = http2
    }
}
