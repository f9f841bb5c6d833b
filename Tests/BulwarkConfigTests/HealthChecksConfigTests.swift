import BulwarkConfig
import Resilience
import Testing

/// `health.checks`: the dependency checks `/health` shows. Every mistake is reported at its key path,
/// and no problem shows a password from a check's URL.
@Suite("health.checks", .timeLimit(.minutes(1)))
struct HealthChecksConfigTests {
    static let example = """
    health:
      checks:
        - { name: database, postgres: "postgres://monitor@10.0.0.1/app", critical: true, slow: 1s }
        - { name: vendor_api, http: "https://api.vendor.com/status", expect_status: [200], critical: false }
        - { name: smtp, tcp: "10.0.0.9:25", critical: false, interval: 30s }
        - { name: cache, redis: "redis://10.0.0.5:6379/0", critical: false }
        - { name: data_disk, disk: /var/lib/bulwark, warning: 80%, error: 90%, critical: true }
    """

    /// A `health:` section whose `checks` are `entries`, one flow mapping (or other node) per line.
    static func yaml(_ entries: String...) -> String {
        "health:\n  checks:\n" + entries.map { "    - \($0)\n" }.joined()
    }

    static func issues(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        ConfigurationParsingTests.issues(yaml, environment: environment)
    }

    static func checks(_ yaml: String, environment: [String: String] = [:]) throws -> [DependencyCheckSettings] {
        try BulwarkConfiguration.parse(yaml: yaml, environment: environment).health.checks
    }

    // MARK: Valid files

    @Test("the issue's example parses to every value, defaults applied")
    func example() throws {
        var database = DependencyCheckSettings(name: "database", target: .postgres(url: "postgres://monitor@10.0.0.1/app"))
        database.slow = .seconds(1)
        var vendor = DependencyCheckSettings(name: "vendor_api", target: .http(url: "https://api.vendor.com/status", expectStatus: [200], tls: UpstreamTLSSettings()))
        vendor.critical = false
        var smtp = DependencyCheckSettings(name: "smtp", target: .tcp(host: "10.0.0.9", port: 25))
        smtp.critical = false
        smtp.interval = .seconds(30)
        var cache = DependencyCheckSettings(name: "cache", target: .redis(url: "redis://10.0.0.5:6379/0"))
        cache.critical = false
        let disk = DependencyCheckSettings(name: "data_disk", target: .disk(path: "/var/lib/bulwark", warning: 0.80, error: 0.90))

        let checks = try Self.checks(Self.example)
        #expect(checks == [database, vendor, smtp, cache, disk])
        for check in checks {
            #expect(check.timeout == .seconds(2), "\(check.name)")
            #expect(check.interval == (check.name == "smtp" ? .seconds(30) : .seconds(10)), "\(check.name)")
            #expect(check.critical == ["database", "data_disk"].contains(check.name), "\(check.name)")
            #expect(check.slow == (check.name == "database" ? .seconds(1) : nil), "\(check.name)")
        }
        #expect(checks.map(\.target.kind) == ["postgres", "http", "tcp", "redis", "disk"])
    }

    @Test("no health section, or no checks, means no checks")
    func absent() throws {
        #expect(try BulwarkConfiguration.parse(yaml: "").health == HealthSettings())
        #expect(try Self.checks("health: {}").isEmpty)
        #expect(try Self.checks("health: { checks: [] }").isEmpty)
    }

    @Test("defaults: http expects any 2xx and verifies with the system trust store; disk warns at 80% and fails at 90%")
    func defaults() throws {
        let checks = try Self.checks(Self.yaml(
            "{ name: api, http: 'http://127.0.0.1:3000/health' }",
            "{ name: disk, disk: / }",
            "{ name: db, postgres: 'postgresql://db.internal:5433/app?sslmode=verify-ca&sslrootcert=/etc/b/pg-ca.pem&application_name=bulwark' }",
            "{ name: queue, redis: 'redis://:pw@queue.internal:6380/2' }",
            "{ name: mail.v6, tcp: '[::1]:25' }"
        ))
        #expect(checks.map(\.target) == [
            .http(url: "http://127.0.0.1:3000/health", expectStatus: Array(200...299), tls: UpstreamTLSSettings()),
            .disk(path: "/", warning: 0.8, error: 0.9),
            .postgres(url: "postgresql://db.internal:5433/app?sslmode=verify-ca&sslrootcert=/etc/b/pg-ca.pem&application_name=bulwark"),
            .redis(url: "redis://:pw@queue.internal:6380/2"),
            .tcp(host: "::1", port: 25),
        ])
        #expect(checks.allSatisfy { $0.critical && $0.interval == .seconds(10) && $0.timeout == .seconds(2) && $0.slow == nil })
        #expect(DependencyCheckSettings.Defaults.expectStatus == Array(200...299))
    }

    @Test("expect_status takes one status or a list; tls takes the upstream TLS keys; ratios as 0.7 or 70%")
    func options() throws {
        let checks = try Self.checks(Self.yaml(
            "{ name: a, http: 'https://a.example/status', expect_status: 204 }",
            "{ name: b, http: 'https://b.example/', expect_status: [200, 301, 200], tls: { ca: /etc/b/ca.pem, server_name: b.internal, client_cert: /etc/b/c.pem, client_key: /etc/b/c.key, verify: false } }",
            "{ name: c, disk: /data, warning: 0.7, error: 70% }",
            "{ name: d, tcp: 'db.internal:5432', interval: 500ms }",
            "{ name: e, tcp: 'db.internal:5432', interval: 1s, timeout: 1s, slow: 999ms, critical: no }"
        ))
        var tls = UpstreamTLSSettings()
        tls.ca = "/etc/b/ca.pem"
        tls.serverName = "b.internal"
        tls.clientCertificate = "/etc/b/c.pem"
        tls.clientKey = "/etc/b/c.key"
        tls.verify = false
        #expect(checks.map(\.target) == [
            .http(url: "https://a.example/status", expectStatus: [204], tls: UpstreamTLSSettings()),
            .http(url: "https://b.example/", expectStatus: [200, 301], tls: tls),
            .disk(path: "/data", warning: 0.7, error: 0.7),
            .tcp(host: "db.internal", port: 5432),
            .tcp(host: "db.internal", port: 5432),
        ])
        // The timeout stays 2 s with a shorter interval: runs never overlap.
        #expect(checks[3].interval == .milliseconds(500) && checks[3].timeout == .seconds(2))
        #expect(checks[4].interval == .seconds(1) && checks[4].timeout == .seconds(1) && checks[4].slow == .milliseconds(999) && !checks[4].critical)
    }

    @Test("${VAR} is expanded in URLs and paths")
    func environmentExpansion() throws {
        let environment = ["PGPASSWORD_MONITOR": "s3cr3t", "DB_HOST": "10.0.0.1", "DATA": "/srv/data"]
        let checks = try Self.checks(Self.yaml(
            "{ name: database, postgres: 'postgres://monitor:${PGPASSWORD_MONITOR}@${DB_HOST}:5432/app' }",
            "{ name: cache, redis: '${REDIS_URL:-redis://127.0.0.1:6379/0}' }",
            "{ name: data, disk: '${DATA}' }"
        ), environment: environment)
        #expect(checks.map(\.target) == [
            .postgres(url: "postgres://monitor:s3cr3t@10.0.0.1:5432/app"),
            .redis(url: "redis://127.0.0.1:6379/0"),
            .disk(path: "/srv/data", warning: 0.8, error: 0.9),
        ])
        let unset = Self.issues(Self.yaml("{ name: database, postgres: 'postgres://monitor:${MISSING}@db/app' }"))
        #expect(unset.count == 1 && unset.first?.hasPrefix("health.checks[0].postgres: ") == true, "\(unset)")
    }

    // MARK: Mistakes

    @Test("each mistake is reported at its key path", arguments: [
        // The section and the entries.
        ("health: { check: [] }", "health.check: unknown key (did you mean 'checks'?)"),
        ("health: { checks: { a: 1 } }", "health.checks: expected a list, got a mapping"),
        (yaml("just-a-name"), "health.checks[0]: expected a mapping of keys to values, got 'just-a-name'"),
        (yaml("{ name: a, tcp: 'h:1', critcal: true }"), "health.checks[0].critcal: unknown key (did you mean 'critical'?)"),
        // name
        (yaml("{ tcp: 'h:1' }"), "health.checks[0].name: missing: the check's name in /health and /metrics, e.g. database"),
        (yaml("{ name: '', tcp: 'h:1' }"), "health.checks[0].name: must not be empty"),
        (yaml("{ name: 'my db', tcp: 'h:1' }"), "health.checks[0].name: must be made of letters, digits, '_', '-' and '.' (it is a metrics label and a URL path segment), got 'my db'"),
        (yaml("{ name: a/b, tcp: 'h:1' }"), "health.checks[0].name: must be made of letters, digits, '_', '-' and '.' (it is a metrics label and a URL path segment), got 'a/b'"),
        (yaml("{ name: redis, tcp: 'h:1' }"), "health.checks[0].name: 'redis' is the name of a built-in check (the gateway's own Redis (redis.url)); choose another name"),
        (yaml("{ name: backup, tcp: 'h:1' }"), "health.checks[0].name: 'backup' is the name of a built-in check (backup freshness); choose another name"),
        (yaml("{ name: TLS, tcp: 'h:1' }"), "health.checks[0].name: 'TLS' is the name of a built-in check (the listener's certificates); choose another name"),
        (yaml("{ name: db, tcp: 'h:1' }", "{ name: mail, tcp: 'h:2' }", "{ name: DB, tcp: 'h:3' }"), "health.checks[2].name: duplicate check name 'DB' (health.checks[0] has it already)"),
        // The kind keys.
        (yaml("{ name: a, critical: true }"), "health.checks[0]: needs one of postgres, http, tcp, redis or disk"),
        (yaml("{ name: a, http: 'http://h/', tcp: 'h:1' }"), "health.checks[0]: has http and tcp: give exactly one of postgres, http, tcp, redis or disk"),
        (yaml("{ name: a, postgres: 'postgres://h/a', redis: 'redis://h', disk: / }"), "health.checks[0]: has postgres, redis and disk: give exactly one of postgres, http, tcp, redis or disk"),
        // postgres
        (yaml("{ name: a, postgres: 'mysql://db/app' }"), "health.checks[0].postgres: expected a postgres:// or postgresql:// URL such as postgres://monitor@10.0.0.1:5432/app, got 'mysql://db/app'"),
        (yaml("{ name: a, postgres: 'postgres:///app' }"), "health.checks[0].postgres: URL 'postgres:///app' has no host"),
        (yaml("{ name: a, postgres: 'postgres://db/app?sslmode=allow' }"), "health.checks[0].postgres: sslmode must be disable, prefer, require, verify-ca or verify-full, got 'allow'"),
        (yaml("{ name: a, postgres: 'postgres://db/app?ssl=true' }"), "health.checks[0].postgres: unknown URL parameter 'ssl'; known: sslmode, sslrootcert, application_name"),
        (yaml("{ name: a, postgres: 'postgres://db:70000/app' }"), "health.checks[0].postgres: URL 'postgres://db:70000/app' has no valid port (1–65535)"),
        (yaml("{ name: a, postgres: 'postgres://monitor@db/my app' }"), "health.checks[0].postgres: URL 'postgres://monitor@db/my app' holds a space or control character: percent-encode it (a space is %20)"),
        // http
        (yaml("{ name: a, http: 'ftp://h/x' }"), "health.checks[0].http: expected a http:// or https:// URL such as https://api.vendor.com/status, got 'ftp://h/x'"),
        (yaml("{ name: a, http: 'https://' }"), "health.checks[0].http: URL 'https://' has no host"),
        (yaml("{ name: a, http: 'https://h/', expect_status: [200, 600] }"), "health.checks[0].expect_status[1]: must be between 100 and 599, got 600"),
        (yaml("{ name: a, http: 'https://h/', expect_status: ok }"), "health.checks[0].expect_status: expected a whole number, got 'ok'"),
        (yaml("{ name: a, http: 'https://h/', expect_status: [] }"), "health.checks[0].expect_status: must list at least one status, e.g. [200, 204]"),
        (yaml("{ name: a, http: 'https://h/', tls: { verfy: false } }"), "health.checks[0].tls.verfy: unknown key (did you mean 'verify'?)"),
        (yaml("{ name: a, http: 'https://h/', tls: { client_cert: /c.pem } }"), "health.checks[0].tls: client_cert and client_key go together: set both or neither"),
        (yaml("{ name: a, http: 'http://h/', tls: { verify: false } }"), "health.checks[0].tls: applies to https:// URLs only, and this check's URL is http://"),
        (yaml("{ name: a, tcp: 'h:1', expect_status: [200] }"), "health.checks[0].expect_status: applies to http checks only"),
        (yaml("{ name: a, redis: 'redis://h', tls: { verify: false } }"), "health.checks[0].tls: applies to http checks only"),
        // tcp
        (yaml("{ name: a, tcp: '10.0.0.9' }"), "health.checks[0].tcp: expected HOST:PORT such as 10.0.0.9:25, got '10.0.0.9'"),
        (yaml("{ name: a, tcp: '10.0.0.9:0' }"), "health.checks[0].tcp: '10.0.0.9:0' has no valid port (1–65535)"),
        (yaml("{ name: a, tcp: '10.0.0.9:65536' }"), "health.checks[0].tcp: '10.0.0.9:65536' has no valid port (1–65535)"),
        (yaml("{ name: a, tcp: ':25' }"), "health.checks[0].tcp: expected HOST:PORT such as 10.0.0.9:25, got ':25'"),
        (yaml("{ name: a, tcp: '::1:25' }"), "health.checks[0].tcp: an IPv6 host goes in brackets, as in [::1]:25, got '::1:25'"),
        (yaml("{ name: a, tcp: '[::1:25' }"), "health.checks[0].tcp: expected HOST:PORT with an IPv6 host in brackets such as [::1]:25, got '[::1:25'"),
        // redis
        (yaml("{ name: a, redis: 'http://cache:6379' }"), "health.checks[0].redis: expected a redis:// URL such as redis://10.0.0.5:6379/0, got 'http://cache:6379'"),
        (yaml("{ name: a, redis: 'rediss://cache:6380' }"), "health.checks[0].redis: expected a redis:// URL such as redis://10.0.0.5:6379/0, got 'rediss://cache:6380'"),
        (yaml("{ name: a, redis: 'redis://' }"), "health.checks[0].redis: URL 'redis://' has no host"),
        (yaml("{ name: a, redis: 'redis://cache:6379/app' }"), "health.checks[0].redis: the database after the host must be a number such as 0, got 'app'"),
        // disk
        (yaml("{ name: a, disk: var/lib/bulwark }"), "health.checks[0].disk: must be an absolute path such as /var/lib/bulwark, got 'var/lib/bulwark'"),
        (yaml("{ name: a, disk: /, warning: 150% }"), "health.checks[0].warning: expected a percentage like '5%' or a ratio between 0 and 1, got '150%'"),
        (yaml("{ name: a, disk: /, warning: 95% }"), "health.checks[0].error: must not be below warning (95%), got 90%"),
        (yaml("{ name: a, disk: /, warning: 0.5, error: 0.45 }"), "health.checks[0].error: must not be below warning (50%), got 45%"),
        (yaml("{ name: a, http: 'https://h/', warning: 80% }"), "health.checks[0].warning: applies to disk checks only"),
        (yaml("{ name: a, tcp: 'h:1', error: 90% }"), "health.checks[0].error: applies to disk checks only"),
        // critical, interval, timeout, slow
        (yaml("{ name: a, tcp: 'h:1', critical: maybe }"), "health.checks[0].critical: expected true or false, got 'maybe'"),
        (yaml("{ name: a, tcp: 'h:1', interval: 50ms }"), "health.checks[0].interval: must be at least 100ms, got 50ms"),
        (yaml("{ name: a, tcp: 'h:1', timeout: 5ms }"), "health.checks[0].timeout: must be at least 10ms, got 5ms"),
        (yaml("{ name: a, tcp: 'h:1', slow: 0s }"), "health.checks[0].slow: must be above 0s"),
        (yaml("{ name: a, tcp: 'h:1', slow: 2s }"), "health.checks[0].slow: must be below timeout (2s), got 2s"),
        (yaml("{ name: a, tcp: 'h:1', timeout: 500ms, slow: 1s }"), "health.checks[0].slow: must be below timeout (500ms), got 1s"),
    ])
    func mistake(yaml: String, expected: String) {
        #expect(Self.issues(yaml) == [expected])
    }

    @Test("every problem of a file is reported at once, valid entries around them included")
    func allAtOnce() {
        let issues = Self.issues(Self.yaml(
            "{ name: ok, tcp: 'h:1' }",
            "{ name: ok, tcp: 'h' }",
            "{ http: 'https://h/', interval: 1ms }"
        ))
        #expect(issues == [
            "health.checks[1].name: duplicate check name 'ok' (health.checks[0] has it already)",
            "health.checks[1].tcp: expected HOST:PORT such as 10.0.0.9:25, got 'h'",
            "health.checks[2].name: missing: the check's name in /health and /metrics, e.g. database",
            "health.checks[2].interval: must be at least 100ms, got 1ms",
        ])
    }

    @Test("a password in a rejected URL never appears in a problem", arguments: [
        "{ name: a, postgres: 'mysql://monitor:Sup3rS3cret@db/app' }",
        "{ name: a, postgres: 'postgres://monitor:Sup3rS3cret@/app' }",
        "{ name: a, postgres: 'postgres://monitor:Sup3r S3cret@db/app' }",
        "{ name: a, postgres: 'postgres://monitor:Sup3rS3cret@db/app?sslmode=allow' }",
        "{ name: a, postgres: 'postgres://monitor:Sup3rS3cret@db/app', http: 'https://x:Sup3rS3cret@' }",
        "{ name: a, redis: 'http://:Sup3rS3cret@cache:6379' }",
        "{ name: a, http: 'https://monitor:Sup3rS3cret@' }",
        "{ name: a, tcp: 'monitor:Sup3rS3cret@db' }",
        "{ name: 'x:Sup3rS3cret@db', tcp: 'db:1' }",
    ])
    func passwordsStayHidden(entry: String) {
        let issues = Self.issues(Self.yaml(entry))
        #expect(!issues.isEmpty)
        #expect(issues.allSatisfy { $0.hasPrefix("health.checks[0]") }, "\(issues)")
        #expect(!issues.joined().contains("Sup3r"), "\(issues)")
        #expect(!issues.joined().contains("S3cret"), "\(issues)")
        // The same password from the environment.
        let fromEnvironment = Self.issues(Self.yaml(entry.replacingOccurrences(of: "Sup3rS3cret", with: "${PW}")), environment: ["PW": "Sup3rS3cret"])
        #expect(!fromEnvironment.isEmpty && !fromEnvironment.joined().contains("Sup3r"), "\(fromEnvironment)")
    }
}
