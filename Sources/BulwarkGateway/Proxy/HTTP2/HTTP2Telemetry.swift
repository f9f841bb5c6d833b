import CoreMetrics
import Synchronization

/// HTTP/2's metrics: `bulwark_http2_connections_total` (connections that spoke HTTP/2, by ALPN or h2c)
/// and `bulwark_http2_connection_errors_total{error}` (connections the gateway ended with a GOAWAY
/// reporting an error, by its RFC 9113 name: `enhance_your_calm` for a flood such as rapid reset,
/// `protocol_error`, `compression_error`, `flow_control_error`…), with the counts kept for the admin API.
final class HTTP2Telemetry: Sendable {
    private let factory: any MetricsFactory
    private let connections: Counter
    private let connectionCount = Atomic<Int>(0)
    /// Per error name: its counter, and the count kept for the admin API.
    private let errors = Mutex<[String: (counter: Counter, count: Int)]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
        self.connections = Counter(label: "bulwark_http2_connections_total", factory: factory)
    }

    func connectionStarted() {
        connectionCount.add(1, ordering: .relaxed)
        connections.increment()
    }

    /// The gateway sent a GOAWAY with `code` and closed the connection.
    func connectionFailed(code: UInt32) {
        let name = Self.name(of: code)
        errors.withLock { errors in
            let entry = errors[name] ?? (Counter(label: "bulwark_http2_connection_errors_total", dimensions: [("error", name)], factory: factory), 0)
            entry.counter.increment()
            errors[name] = (entry.counter, entry.count + 1)
        }
    }

    /// HTTP/2 connections accepted so far.
    var connectionsStarted: Int { connectionCount.load(ordering: .relaxed) }

    /// Connections ended by an error so far, by error name.
    var connectionErrors: [String: Int] { errors.withLock { $0.mapValues(\.count) } }

    /// The RFC 9113 §7 name of an error code, lower-cased (`0xb` → `enhance_your_calm`).
    static func name(of code: UInt32) -> String {
        code < errorNames.count ? errorNames[Int(code)] : "unknown"
    }

    private static let errorNames = [
        "no_error", "protocol_error", "internal_error", "flow_control_error", "settings_timeout", "stream_closed",
        "frame_size_error", "refused_stream", "cancel", "compression_error", "connect_error", "enhance_your_calm",
        "inadequate_security", "http_1_1_required",
    ]
}
