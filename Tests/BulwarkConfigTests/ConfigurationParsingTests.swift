import BulwarkConfig
import Resilience
import Testing

@Suite("bulwark.yaml parsing", .timeLimit(.minutes(1)))
struct ConfigurationParsingTests {
    static let example = """
    server:
      listen: "0.0.0.0:8080"
      trusted_proxies: ["10.0.0.0/8"]
      drain_timeout: 30s
    admin:
      listen: "127.0.0.1:9090"
    redis:
      url: "redis://127.0.0.1:6379/0"
    upstreams:
      app:
        targets: ["http://127.0.0.1:3001", "http://127.0.0.1:3002"]
        timeout: 30s
        health_check: { path: /health, interval: 5s, timeout: 1s, healthy_threshold: 2, unhealthy_threshold: 3 }
        retry: { attempts: 3 }
    rate_limits:
      auth: { requests: 5, per: 15m }
    routes:
      - path_prefix: /api/auth/login
        methods: [POST]
        upstream: app
        rate_limits: [auth]
      - path_prefix: /
        upstream: app
    """

    static func issues(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try BulwarkConfiguration.parse(yaml: yaml, environment: environment)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test("the issue's example parses with every value")
    func example() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.example)
        #expect(configuration.server.listen == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(configuration.server.trustedProxies.map(\.description) == ["10.0.0.0/8"])
        #expect(configuration.server.drainTimeout == .seconds(30))
        #expect(configuration.admin.listen.port == 9090)
        #expect(configuration.redis?.url == "redis://127.0.0.1:6379/0")
        let app = try #require(configuration.upstream(named: "app"))
        #expect(app.targets == [TargetURL(host: "127.0.0.1", port: 3001), TargetURL(host: "127.0.0.1", port: 3002)])
        #expect(app.healthCheck?.path == "/health")
        #expect(app.healthCheck?.interval == .seconds(5))
        #expect(app.healthCheck?.unhealthyThreshold == 3)
        #expect(app.retry.attempts == 3)
        #expect(app.retry.methods == ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"])
        let auth = try #require(configuration.rateLimitClass(named: "auth"))
        #expect(auth.policy.limit == 5)
        #expect(auth.policy.window == .seconds(900))
        #expect(configuration.routes.count == 2)
        #expect(configuration.routes[0].methods == ["POST"])
        #expect(configuration.routes[0].rateLimits == ["auth"])
    }

    @Test("unknown keys are errors with their key path and a suggestion")
    func unknownKey() {
        let issues = Self.issues("upstreams:\n  app:\n    targtes: [\"http://127.0.0.1:1\"]\n")
        #expect(issues.contains("upstreams.app.targtes: unknown key (did you mean 'targets'?)"))
        #expect(issues.contains { $0.hasPrefix("upstreams.app.targets: missing") })
        #expect(Self.issues("sever:\n  listen: \":8080\"\n") == ["sever: unknown key (did you mean 'server'?)"])
    }

    @Test("a route naming a missing upstream is reported with its index")
    func missingUpstream() {
        let issues = Self.issues("""
        upstreams:
          app: { targets: ["http://127.0.0.1:1"] }
        routes:
          - { path_prefix: /, upstream: app }
          - { path_prefix: /x, upstream: ap }
        """)
        #expect(issues == ["routes[1].upstream: no upstream named 'ap' (did you mean 'app'?)"])
    }

    @Test("every problem is reported in one pass")
    func allAtOnce() {
        let issues = Self.issues("""
        server: { listen: "nowhere", drain_timeout: 30 }
        upstreams:
          app:
            targets: ["https://x:99999", "ftp://y"]
            retry: { attempts: 0, per_try_timeout: fast }
            balancer: random
        rate_limits:
          auth: { requests: 0 }
        routes:
          - { path_prefix: api, upstream: app, rate_limits: [nope] }
        """)
        let keys = Set(issues.map { String($0.split(separator: ":").first ?? "") })
        #expect(keys == [
            "server.listen", "server.drain_timeout", "upstreams.app.targets[0]", "upstreams.app.targets[1]",
            "upstreams.app.retry.attempts", "upstreams.app.retry.per_try_timeout", "upstreams.app.balancer",
            "rate_limits.auth.requests", "rate_limits.auth.per", "routes[0].path_prefix", "routes[0].rate_limits[0]",
        ])
        #expect(issues.contains("server.drain_timeout: '30' has no unit: write 30ms, 30s, 30m or 30h"))
        #expect(issues.contains("upstreams.app.retry.attempts: must be between 1 and 10, got 0"))
    }

    @Test("presets are available by name without being declared")
    func presets() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: """
        upstreams:
          app: { targets: ["http://127.0.0.1:1"] }
        routes:
          - { path_prefix: /, upstream: app, rate_limits: [global, upload] }
        """)
        #expect(configuration.rateLimitClass(named: "upload")?.policy.limit == 10)
        #expect(configuration.routes[0].rateLimits == ["global", "upload"])
    }

    @Test("a single upstream without routes gets a catch-all route")
    func implicitRoute() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: "upstreams:\n  app:\n    targets: [\"http://127.0.0.1:1\"]\n")
        #expect(configuration.routes == [RouteSettings(pathPrefix: "/", upstream: "app")])
    }

    @Test("environment overrides and ${VAR} references")
    func environment() throws {
        let configuration = try BulwarkConfiguration.parse(
            yaml: "server:\n  listen: \"${HOST:-0.0.0.0}:${PORT}\"\nredis:\n  url: redis://file:6379\n",
            environment: ["PORT": "9000", "BULWARK_REDIS_URL": "redis://env:6380/1", "BULWARK_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.0.0/16"]
        )
        #expect(configuration.server.listen == ListenAddress(host: "0.0.0.0", port: 9000))
        #expect(configuration.redis?.url == "redis://env:6380/1")
        #expect(configuration.server.trustedProxies.count == 2)
        #expect(Self.issues("server:\n  listen: \"${NOPE}\"\n") == ["server.listen: environment variable NOPE is not set (write ${NOPE:-default} to give a default)"])
        #expect(Self.issues("", environment: ["BULWARK_DRAIN_TIMEOUT": "soon"]).first?.hasSuffix("(from BULWARK_DRAIN_TIMEOUT)") == true)
    }

    @Test("broken YAML names the line")
    func brokenYAML() {
        let issues = Self.issues("server:\n  listen: [unclosed\n")
        #expect(issues.count == 1)
        #expect(issues[0].hasPrefix("(yaml): invalid YAML at line"))
    }
}
