import Resilience

/// A whole `bulwark.yaml`: every section is optional, and missing keys take their documented defaults
/// (see docs/configuration.md).
public struct BulwarkConfiguration: Sendable, Hashable {
    /// `server:`
    public var server = ServerSettings()
    /// `admin:`
    public var admin = AdminSettings()
    /// `redis:`; nil means rate-limit state is kept in memory.
    public var redis: RedisSettings?
    /// `upstreams:` in file order.
    public var upstreams: [UpstreamSettings] = []
    /// `rate_limits:` declared in the file (presets are added on lookup).
    public var rateLimits: [String: RateLimitClass] = [:]
    /// `routes:` in match order.
    public var routes: [RouteSettings] = []
    /// `alerts:` (health monitor rules and webhooks).
    public var alerts = AlertSettings()
    /// `backup:`; nil when absent.
    public var backup: BackupSettings?
    /// `health:` (dependency checks shown in /health)
    public var health = HealthSettings()

    /// An empty configuration (every default, no upstreams).
    public init() {}

    /// The upstream named `name`.
    public func upstream(named name: String) -> UpstreamSettings? {
        upstreams.first { $0.name == name }
    }

    /// The rate-limit class `name`: declared in the file, else one of the core's presets.
    public func rateLimitClass(named name: String) -> RateLimitClass? {
        if let declared = rateLimits[name] { return declared }
        return RateLimitPolicy.named(name).map { RateLimitClass(policy: $0) }
    }

    /// The configuration `bulwark serve --upstream URL…` runs with when there is no file: one upstream
    /// named `default` with these targets, one catch-all route, default policies, in-memory limits.
    public static func embedded(targets: [TargetURL], listen: ListenAddress?) -> BulwarkConfiguration {
        var configuration = BulwarkConfiguration()
        if let listen { configuration.server.listen = listen }
        configuration.upstreams = [UpstreamSettings(name: "default", targets: targets)]
        configuration.routes = [RouteSettings(pathPrefix: "/", upstream: "default")]
        return configuration
    }
}
