import Resilience

/// The `server:` section: the public listener.
public struct ServerSettings: Sendable, Hashable {
    /// Defaults for every key, in one place for decoding, docs and tests.
    public enum Defaults {
        /// `server.listen`
        public static let listen = ListenAddress(host: "0.0.0.0", port: 8080)
        /// `server.drain_timeout`
        public static let drainTimeout = Duration.seconds(30)
        /// `server.idle_timeout`
        public static let idleTimeout = Duration.seconds(60)
        /// `server.max_header_size`
        public static let maxHeaderBytes = 32 * 1024
        /// `server.max_body_size` (0 = unlimited)
        public static let maxBodyBytes = 0
        /// `server.rate_limit_headers`
        public static let rateLimitHeaders = RateLimitHeaders.Style.ietf
        /// `server.access_log`
        public static let accessLog = AccessLogDestination.stdout
        /// `server.max_header_count`
        public static let maxHeaderCount = 100
        /// `server.header_timeout`
        public static let headerTimeout = Duration.seconds(10)
        /// `server.body_idle_timeout`
        public static let bodyIdleTimeout = Duration.seconds(30)
        /// `server.max_pipelined_requests`
        public static let maxPipelinedRequests = 16
        /// `server.discard_body_limit`
        public static let discardBodyLimit = 64 * 1024
        /// `server.max_connections`
        public static let maxConnections = 10_000
        /// `server.path_escapes`
        public static let pathEscapes = PathEscapePolicy.reject
    }

    /// Where to accept client connections. Default `0.0.0.0:8080`.
    public var listen: ListenAddress = Defaults.listen
    /// Peers whose `X-Forwarded-For` is believed. Default none.
    public var trustedProxies: [AddressRange] = []
    /// How long in-flight requests may finish after SIGTERM. Default 30 s.
    public var drainTimeout: Duration = Defaults.drainTimeout
    /// How long an idle client connection is kept open. Default 60 s.
    public var idleTimeout: Duration = Defaults.idleTimeout
    /// The largest request head (request line and headers) accepted; larger ones get 431. Default 32 KiB.
    public var maxHeaderBytes: Int = Defaults.maxHeaderBytes
    /// The largest request body accepted, 0 for no limit; larger ones get 413. Default 0 (streamed, unlimited).
    public var maxBodyBytes: Int = Defaults.maxBodyBytes
    /// Which rate-limit header fields responses carry. Default `ietf` (draft-11 `RateLimit`/`RateLimit-Policy`).
    public var rateLimitHeaders: RateLimitHeaders.Style = Defaults.rateLimitHeaders
    /// Event-loop threads serving connections (like nginx's `worker_processes`); 0 means one per core.
    /// Default 0.
    public var threads: Int = 0
    /// Where JSON access-log lines go. Default stdout.
    public var accessLog: AccessLogDestination = Defaults.accessLog
    /// The most header fields a request may carry; more get 431. Default 100.
    public var maxHeaderCount: Int = Defaults.maxHeaderCount
    /// How long a client may take to send a whole request head; slower ones get 408 and are closed.
    /// Default 10 s.
    public var headerTimeout: Duration = Defaults.headerTimeout
    /// How long a request body may stall between two reads; a stalled one gets 408. Default 30 s.
    public var bodyIdleTimeout: Duration = Defaults.bodyIdleTimeout
    /// How many pipelined requests may wait behind the one being answered; beyond it, reading pauses.
    /// Default 16.
    public var maxPipelinedRequests: Int = Defaults.maxPipelinedRequests
    /// After an early answer (404, 429, 413…), the unread rest of a request body is read and dropped
    /// only when it is smaller than this; otherwise the connection is closed. Default 64 KiB.
    public var discardBodyLimit: Int = Defaults.discardBodyLimit
    /// The most client connections open at once; new ones beyond it are closed at once and counted.
    /// Default 10,000.
    public var maxConnections: Int = Defaults.maxConnections
    /// What to do with a path holding `%2F`, `%5C` or a `..` that climbs above the root. Default `reject` (400).
    public var pathEscapes: PathEscapePolicy = Defaults.pathEscapes
    /// HTTPS on the listener; nil (the default) serves plain HTTP.
    public var tls: ServerTLSSettings?
    /// A second, plain-HTTP listener answering every request with 308 to the same URL on https.
    /// Needs `tls`. Default none.
    public var redirectHTTP: ListenAddress?
    /// `max-age` of the `Strict-Transport-Security` field added to every HTTPS response. Needs `tls`.
    /// Default none (no field).
    public var hsts: Duration?
    /// HTTP/2 towards clients (ALPN on HTTPS, optional h2c) and its limits.
    public var http2 = HTTP2Settings()

    /// Creates settings with every default.
    public init() {}
}

/// What the gateway does with a request path holding an encoded slash or backslash (`%2F`, `%5C`) or
/// a `..` segment that climbs above the root.
public enum PathEscapePolicy: String, Sendable, Hashable, CaseIterable {
    /// Answer 400 (the default).
    case reject
    /// Keep the encoded characters as they are (and clamp `..` at the root).
    case keep
}

/// Where access-log lines are written.
public enum AccessLogDestination: Sendable, Hashable {
    /// Standard output.
    case stdout
    /// Appended to a file.
    case file(String)
    /// Not written.
    case off
}

/// The `admin:` section: the operator listener (endpoints arrive with the admin API).
public struct AdminSettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `admin.listen`
        public static let listen = ListenAddress(host: "127.0.0.1", port: 9090)
        /// `admin.token_env`
        public static let tokenEnvironmentVariable = "BULWARK_ADMIN_TOKEN"
    }
    /// Where the admin API listens. Default `127.0.0.1:9090`.
    public var listen: ListenAddress = Defaults.listen
    /// Host names (without port) accepted in `Host` when no admin token is set, besides `127.0.0.1`,
    /// `localhost` and `[::1]`. Default none.
    public var allowedHosts: [String] = []
    /// The environment variable holding the bearer token. Default `BULWARK_ADMIN_TOKEN`.
    public var tokenEnvironmentVariable: String = Defaults.tokenEnvironmentVariable
    /// Whether the admin listener runs at all. Default true.
    public var enabled = true
    /// How often the metric history behind `/api/metrics/{name}` is sampled (1,000 samples are kept).
    /// Default 5s.
    public var sampleInterval: Duration = .seconds(5)
    /// Creates settings with every default.
    public init() {}
}

/// The `redis:` section. When present, rate limits are shared by every instance through Redis.
public struct RedisSettings: Sendable, Hashable {
    /// `redis://[user:password@]host:port[/db]`.
    public var url: String
    /// Creates settings.
    public init(url: String) { self.url = url }
}
