import BulwarkConfig
import NIOCore
import NIOHTTP2

/// `server.http2` and the server's timeouts as NIOHTTP2 takes them. The protections production servers
/// learned the hard way are NIOHTTP2's own, kept at its defaults unless named here:
///
/// - `SETTINGS_MAX_CONCURRENT_STREAMS` (`max_concurrent_streams`): a stream beyond it is refused
///   (`REFUSED_STREAM`).
/// - `SETTINGS_MAX_HEADER_LIST_SIZE` (`max_header_list_size`): a larger header block ends the connection.
/// - `SETTINGS_INITIAL_WINDOW_SIZE` (`initial_window_size`), for each stream and the connection: a client
///   sending past its window breaks the protocol (`FLOW_CONTROL_ERROR`), so what one connection can make
///   the gateway hold is bounded by the windows.
/// - `SETTINGS_HEADER_TABLE_SIZE` 4096: the HPACK dynamic table a client may fill; a table-size update
///   above it is a `COMPRESSION_ERROR`.
/// - Rapid reset (CVE-2023-44487): more than 200 `RST_STREAM`s from a client within 30 s ends the
///   connection with `GOAWAY` (`ENHANCE_YOUR_CALM`); see also ``ResetStreamGuard``.
/// - CONTINUATION floods (CVE-2024-27316): more than 5 CONTINUATION frames in a row for one header block
///   end the connection; a header block is never longer than `max_header_list_size` either.
/// - Control-frame floods (PING, SETTINGS, PRIORITY): more than 200 within 30 s end the connection; so do
///   runs of empty DATA frames and other "glitches".
struct HTTP2ConnectionSettings {
    /// The HPACK dynamic table size the gateway's decoder allows (the protocol's default).
    static let headerTableSize = 4096

    var connection = NIOHTTP2Handler.ConnectionConfiguration()
    var stream = NIOHTTP2Handler.StreamConfiguration()
    var management: NIOHTTP2ServerConnectionManagementHandler.Configuration

    init(_ server: ServerSettings) {
        let http2 = server.http2
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: http2.maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: http2.maxHeaderListSize),
            HTTP2Setting(parameter: .initialWindowSize, value: http2.initialWindowSize),
            HTTP2Setting(parameter: .headerTableSize, value: Self.headerTableSize),
        ]
        connection.targetWindowSize = http2.initialWindowSize
        stream.targetWindowSize = http2.initialWindowSize
        // A connection with no stream open for `idle_timeout` is closed with GOAWAY, as an idle HTTP/1.1
        // one is; on drain, streams in flight get `drain_timeout` to finish. No keep-alive pings: a
        // client that wants the connection keeps it busy.
        management = .init(
            maxIdleTime: .nanoseconds(Int64(clamping: server.idleTimeout.nanoseconds)),
            maxAge: nil,
            maxGraceTime: .nanoseconds(Int64(clamping: server.drainTimeout.nanoseconds)),
            keepalive: nil
        )
    }
}
