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
    /// `cache:`, the response cache's stores and budgets: nil when the file has no `cache:` section and
    /// no route caches; with every default when a route has `cache:` and the file has no `cache:`
    /// section. Non-nil whenever any route's ``RouteSettings/cache`` is.
    public var cache: CacheSettings?
    /// `processes:` in file order: the app instances `bulwark run` starts, watches and restarts. Each
    /// group's instances are the targets of the upstream with its name (see
    /// ``UpstreamSettings/targetsFromProcesses``).
    public var processes: [ProcessGroupSettings] = []
    /// `auth:`: bearer-token verification and revocation; nil when the file has no `auth:` section.
    public var auth: AuthSettings?
    /// `audit:`: the durable audit log; nil when the file has no `audit:` section (nothing is audited).
    public var audit: AuditSettings?
    /// `postgres:`: the role-aware PostgreSQL clusters `bulwark serve` proxies, sorted by name; empty
    /// when the file has no `postgres:` section.
    public var postgres: [PostgresClusterSettings] = []

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

    /// The configuration `bulwark run --instances N --port-base P -- COMMAND…` runs with when there is no
    /// file: one process group `app` running `command` (no shell) on ports `portBase…`, the upstream `app`
    /// whose targets are its instances, one catch-all route to it, and every other default. It is what
    /// a file with only this `processes:` section parses to:
    ///
    /// ```yaml
    /// processes:
    ///   app: { command: ["node", "dist/index.js"], instances: 3, port_base: 3001 }
    /// ```
    ///
    /// Check the result with ``processValidationIssues()`` (the checks a file's `processes:` gets), e.g.
    /// for an instance count out of range or ports that take the listener's.
    public static func runCommand(command: [String], instances: Int, portBase: Int, listen: ListenAddress?) -> BulwarkConfiguration {
        var configuration = BulwarkConfiguration()
        if let listen { configuration.server.listen = listen }
        var group = ProcessGroupSettings(name: "app", command: command, portBase: portBase)
        group.instances = instances
        configuration.processes = [group]
        configuration.upstreams = [.processBacked(name: "app")]
        configuration.routes = [RouteSettings(pathPrefix: "/", upstream: "app")]
        return configuration
    }
}
