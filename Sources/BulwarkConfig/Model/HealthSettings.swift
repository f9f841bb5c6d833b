/// The `health:` section: the dependencies `/health` checks besides the gateway's own targets.
///
/// ```yaml
/// health:
///   checks:
///     - { name: database, postgres: "postgres://monitor@10.0.0.1/app", critical: true, slow: 1s }
///     - { name: vendor_api, http: "https://api.vendor.com/status", expect_status: [200], critical: false }
///     - { name: smtp, tcp: "10.0.0.9:25", critical: false, interval: 30s }
///     - { name: cache, redis: "redis://10.0.0.5:6379/0", critical: false }
///     - { name: data_disk, disk: /var/lib/bulwark, warning: 80%, error: 90%, critical: true }
/// ```
public struct HealthSettings: Sendable, Hashable {
    /// `health.checks`, in file order.
    public var checks: [DependencyCheckSettings] = []

    /// No checks.
    public init() {}
}

/// One entry of `health.checks`.
public struct DependencyCheckSettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `interval`
        public static let interval: Duration = .seconds(10)
        /// `timeout`
        public static let timeout: Duration = .seconds(2)
        /// `warning` of a `disk` check: share of space or inodes in use.
        public static let diskWarning = 0.80
        /// `error` of a `disk` check.
        public static let diskError = 0.90
        /// `expect_status` of an `http` check: any 2xx.
        public static let expectStatus = Array(200...299)
    }

    /// What is checked, and how.
    public enum Target: Sendable, Hashable {
        /// `postgres: URL`: connect, authenticate, `SELECT 1`.
        case postgres(url: String)
        /// `http: URL`: `GET`, the status must be one of `expectStatus`; `https` uses `tls` (the
        /// upstream TLS options: `ca`, `server_name`, `client_cert`, `client_key`, `verify`).
        case http(url: String, expectStatus: [Int], tls: UpstreamTLSSettings)
        /// `tcp: host:port`: a TCP connection is accepted.
        case tcp(host: String, port: Int)
        /// `redis: URL`: `PING` answers `PONG` (with the URL's password and database).
        case redis(url: String)
        /// `disk: PATH`: share of space and of inodes in use on the filesystem holding `path`; at or
        /// above `warning` the check is degraded, at or above `error` it fails. Ratios 0…1.
        case disk(path: String, warning: Double, error: Double)

        /// `postgres`, `http`, `tcp`, `redis` or `disk`.
        public var kind: String {
            switch self {
            case .postgres: "postgres"
            case .http: "http"
            case .tcp: "tcp"
            case .redis: "redis"
            case .disk: "disk"
            }
        }
    }

    /// `name`: shown in `/health`, `/metrics` (`name` label) and alerts. Unique; required.
    public var name: String
    /// The kind key (`postgres`, `http`, `tcp`, `redis` or `disk`) and its options. Exactly one.
    public var target: Target
    /// `critical`: whether a failure makes the instance UNHEALTHY (503 on `/health` and
    /// `/health/ready`); a non-critical failure only degrades it. Default true.
    public var critical = true
    /// `interval`: time between two checks. Default 10s.
    public var interval: Duration = Defaults.interval
    /// `timeout`: a check taking longer fails. Default 2s.
    public var timeout: Duration = Defaults.timeout
    /// `slow`: a passing check slower than this is degraded (and alerts `dependency_slow`). Default
    /// none: `alerts.dependency_latency.warning`.
    public var slow: Duration?

    /// A check with the defaults.
    public init(name: String, target: Target) {
        self.name = name
        self.target = target
    }
}
