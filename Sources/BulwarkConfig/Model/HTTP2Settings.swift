/// `server.http2:`: HTTP/2 towards clients.
///
/// ```yaml
/// server:
///   http2:
///     enabled: true                # ALPN offers h2 and http/1.1 when server.tls is set
///     h2c: false                   # prior-knowledge h2c on a plaintext listener
///     max_concurrent_streams: 100
///     max_header_list_size: 32KiB
///     initial_window_size: 1MiB
/// ```
///
/// Every stream is one exchange through the same routing, limits, retries and breakers as an HTTP/1.1
/// request, forwarded over HTTP/1.1 to the targets.
public struct HTTP2Settings: Sendable, Hashable {
    /// Defaults for every key.
    public enum Defaults {
        /// `server.http2.enabled`
        public static let enabled = true
        /// `server.http2.h2c`
        public static let h2c = false
        /// `server.http2.max_concurrent_streams`
        public static let maxConcurrentStreams = 100
        /// `server.http2.max_header_list_size`
        public static let maxHeaderListSize = 32 * 1024
        /// `server.http2.initial_window_size`
        public static let initialWindowSize = 1024 * 1024
    }

    /// Whether HTTP/2 is spoken: offered by ALPN (`h2` before `http/1.1`) on an HTTPS listener, and, with
    /// ``h2c``, by prior knowledge on a plaintext one. Default true. Needs a restart to change.
    public var enabled = Defaults.enabled
    /// Whether a plaintext listener also accepts HTTP/2 by prior knowledge (a connection opening with
    /// the HTTP/2 preface); HTTP/1.1 connections are served as before. Needs `enabled` and no
    /// `server.tls`. Default false. Needs a restart to change.
    public var h2c = Defaults.h2c
    /// Streams one connection may have open at once (`SETTINGS_MAX_CONCURRENT_STREAMS`); more are
    /// refused with `REFUSED_STREAM`. Default 100.
    public var maxConcurrentStreams = Defaults.maxConcurrentStreams
    /// The largest decoded header list a request may carry (`SETTINGS_MAX_HEADER_LIST_SIZE`); a larger
    /// one ends the connection. Default 32 KiB.
    public var maxHeaderListSize = Defaults.maxHeaderListSize
    /// The flow-control window of each stream and of the connection (`SETTINGS_INITIAL_WINDOW_SIZE`):
    /// how many request-body bytes a client may send before the gateway has read them, which bounds
    /// the memory each stream and connection can hold. Default 1 MiB.
    public var initialWindowSize = Defaults.initialWindowSize

    /// Creates settings with every default.
    public init() {}
}
