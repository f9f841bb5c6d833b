import BulwarkConfig
import Resilience
import Testing

/// The hardening keys of `server:` and `admin.allowed_hosts`: defaults, values read, and every
/// out-of-range or malformed value reported with its key path.
@Suite("server limits and admin.allowed_hosts", .timeLimit(.minutes(1)))
struct ServerLimitsConfigTests {
    static func parse(_ yaml: String) throws -> BulwarkConfiguration {
        try BulwarkConfiguration.parse(yaml: yaml)
    }

    static func issues(_ yaml: String) -> [String] {
        ConfigurationParsingTests.issues(yaml)
    }

    @Test func defaultsWhenTheKeysAreAbsent() throws {
        let server = try Self.parse("server: { listen: '127.0.0.1:8080' }").server
        #expect(server.maxHeaderCount == 100)
        #expect(server.headerTimeout == .seconds(10))
        #expect(server.bodyIdleTimeout == .seconds(30))
        #expect(server.maxPipelinedRequests == 16)
        #expect(server.discardBodyLimit == 64 * 1024)
        #expect(server.maxConnections == 10_000)
        #expect(server.pathEscapes == .reject)
        #expect(try Self.parse("").admin.allowedHosts.isEmpty)
    }

    @Test func everyKeyIsRead() throws {
        let configuration = try Self.parse("""
            server:
              max_header_count: 50
              header_timeout: 2500ms
              body_idle_timeout: 1m
              max_pipelined_requests: 4
              discard_body_limit: 1MiB
              max_connections: 2000
              path_escapes: keep
            admin:
              allowed_hosts: [bulwark.internal, "10.0.0.5", "[FD00::5]"]
            """)
        let server = configuration.server
        #expect(server.maxHeaderCount == 50)
        #expect(server.headerTimeout == .milliseconds(2500))
        #expect(server.bodyIdleTimeout == .seconds(60))
        #expect(server.maxPipelinedRequests == 4)
        #expect(server.discardBodyLimit == 1 << 20)
        #expect(server.maxConnections == 2000)
        #expect(server.pathEscapes == .keep)
        #expect(configuration.admin.allowedHosts == ["bulwark.internal", "10.0.0.5", "[fd00::5]"])
        #expect(try Self.parse("admin: { allowed_hosts: ops.example }").admin.allowedHosts == ["ops.example"])
        #expect(try Self.parse("server: { discard_body_limit: 0 }").server.discardBodyLimit == 0)
    }

    @Test func badValuesAreAllReportedWithTheirKeyPaths() {
        let issues = Self.issues("""
            server:
              max_header_count: 5
              header_timeout: 10ms
              body_idle_timeout: 30
              max_pipelined_requests: 0
              discard_body_limit: 2GiB
              max_connections: lots
              path_escapes: allow
            admin:
              allowed_hosts: ["bulwark.internal:9090", "http://ops.example", "", "[fd00::5"]
            """)
        let expected = [
            "server.max_header_count: must be between 10 and 10000, got 5",
            "server.header_timeout: must be at least 100ms, got 10ms",
            "server.body_idle_timeout: '30' has no unit",
            "server.max_pipelined_requests: must be between 1 and 1024, got 0",
            "server.discard_body_limit: must be at most 1GiB",
            "server.max_connections: expected a whole number, got 'lots'",
            "server.path_escapes: must be 'reject' (answer 400) or 'keep', got 'allow'",
            "admin.allowed_hosts[0]: 'bulwark.internal:9090': write the name without a port",
            "admin.allowed_hosts[1]: 'http://ops.example' must be a host name only",
            "admin.allowed_hosts[2]: must be a host name",
            "admin.allowed_hosts[3]: '[fd00::5' is not a bracketed IPv6 address",
        ]
        for prefix in expected {
            #expect(issues.contains { $0.hasPrefix(prefix) }, "missing \(prefix) in \(issues)")
        }
        #expect(issues.count == expected.count, "\(issues)")
    }

    @Test func misspelledKeysSuggestTheNewOnes() {
        let issues = Self.issues("""
            server: { max_header_cont: 10, header_timout: 1s, max_conections: 5, path_escape: keep, discard_body_limt: 1KiB }
            admin: { allowed_host: [a] }
            """)
        for (typo, key) in [("server.max_header_cont", "max_header_count"), ("server.header_timout", "header_timeout"),
                            ("server.max_conections", "max_connections"), ("server.path_escape", "path_escapes"),
                            ("server.discard_body_limt", "discard_body_limit"), ("admin.allowed_host", "allowed_hosts")] {
            #expect(issues.contains("\(typo): unknown key (did you mean '\(key)'?)"), "\(typo) in \(issues)")
        }
    }
}
