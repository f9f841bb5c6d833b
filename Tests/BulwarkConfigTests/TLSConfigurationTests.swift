import BulwarkConfig
import Resilience
import Testing

/// `server.tls`, `server.redirect_http`, `server.hsts` and the TLS keys of an upstream: every key is
/// read, defaults hold when keys are absent, and every mistake is reported with its key path.
@Suite("TLS configuration", .timeLimit(.minutes(1)))
struct TLSConfigurationTests {
    static func parse(_ yaml: String) throws -> BulwarkConfiguration {
        try BulwarkConfiguration.parse(yaml: yaml)
    }

    static func issues(_ yaml: String) -> [String] {
        ConfigurationParsingTests.issues(yaml)
    }

    /// `server:` with a valid `tls:` plus `extra` lines (indented under `server:`).
    static func server(tls: String = "{ certificates: [{ cert: /etc/b/site.pem, key: /etc/b/site.key }] }", _ extra: String = "") -> String {
        """
        server:
          listen: "127.0.0.1:8443"
          tls: \(tls)
        \(extra.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        """
    }

    // MARK: server.tls

    @Test("every server TLS key is read")
    func everyServerKeyIsRead() throws {
        let server = try Self.parse("""
            server:
              listen: "0.0.0.0:8443"
              tls:
                certificates:
                  - { cert: /etc/bulwark/site.pem, key: /etc/bulwark/site.key }
                  - { cert: /etc/bulwark/api.pem,  key: /etc/bulwark/api.key, hosts: ["API.example.com", "*.api.example.com"] }
                min_version: "1.3"
                client_ca: /etc/bulwark/clients.pem
                client_subject_header: X-Client-Subject
                reload_interval: 1m
              redirect_http: "0.0.0.0:8080"
              hsts: 180d
            """).server
        let tls = try #require(server.tls)
        #expect(tls.certificates == [
            CertificateSettings(certificate: "/etc/bulwark/site.pem", key: "/etc/bulwark/site.key"),
            CertificateSettings(certificate: "/etc/bulwark/api.pem", key: "/etc/bulwark/api.key", hosts: ["api.example.com", "*.api.example.com"]),
        ])
        #expect(tls.minimumVersion == .v1_3)
        #expect(tls.clientCA == "/etc/bulwark/clients.pem")
        #expect(tls.clientSubjectHeader == "X-Client-Subject")
        #expect(tls.reloadInterval == .seconds(60))
        #expect(tls.files == ["/etc/bulwark/site.pem", "/etc/bulwark/site.key", "/etc/bulwark/api.pem", "/etc/bulwark/api.key", "/etc/bulwark/clients.pem"])
        #expect(server.redirectHTTP == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(server.hsts == .seconds(180 * 86_400))
    }

    @Test("defaults: TLS 1.2, reload every minute, no client CA, no redirect, no HSTS; no tls means plain HTTP")
    func defaults() throws {
        let server = try Self.parse(Self.server()).server
        let tls = try #require(server.tls)
        #expect(tls.minimumVersion == .v1_2)
        #expect(tls.reloadInterval == .seconds(60))
        #expect(tls.clientCA == nil)
        #expect(tls.clientSubjectHeader == nil)
        #expect(tls.certificates.map(\.hosts) == [[]])
        #expect(server.redirectHTTP == nil)
        #expect(server.hsts == nil)
        #expect(try Self.parse("server: { listen: '127.0.0.1:8080' }").server.tls == nil)
        #expect(try Self.parse(Self.server(tls: "{ certificates: [{ cert: a.pem, key: a.key }], min_version: '1.2' }")).server.tls?.minimumVersion == .v1_2)
    }

    @Test("an unknown key under server.tls is named with its path, and a close one is suggested")
    func unknownKey() {
        let issues = Self.issues(Self.server(tls: "{ certificates: [{ cert: a.pem, key: a.key }], ciphers: strong, min_verison: '1.3' }"))
        #expect(issues.contains("server.tls.ciphers: unknown key"))
        #expect(issues.contains("server.tls.min_verison: unknown key (did you mean 'min_version'?)"))
        let inEntry = Self.issues(Self.server(tls: "{ certificates: [{ cert: a.pem, key: a.key, host: [a.example] }] }"))
        #expect(inEntry.contains { $0.hasPrefix("server.tls.certificates[0].host: unknown key") })
    }

    @Test("min_version accepts 1.2 and 1.3 only", arguments: ["1.1", "1.0", "TLSv1.3", "2"])
    func minimumVersion(text: String) {
        let issues = Self.issues(Self.server(tls: "{ certificates: [{ cert: a.pem, key: a.key }], min_version: '\(text)' }"))
        #expect(issues == ["server.tls.min_version: must be \"1.2\" or \"1.3\", got '\(text)'"])
    }

    @Test("client_subject_header needs client_ca, and must be a header name the gateway does not own")
    func clientSubjectHeader() {
        #expect(Self.issues(Self.server(tls: "{ certificates: [{ cert: a.pem, key: a.key }], client_subject_header: X-Client-Subject }"))
            == ["server.tls.client_subject_header: needs client_ca: the subject comes from a verified client certificate"])
        let reserved = Self.issues(Self.server(tls: "{ certificates: [{ cert: a.pem, key: a.key }], client_ca: ca.pem, client_subject_header: X-Forwarded-For }"))
        #expect(reserved.count == 1)
        #expect(reserved.first?.hasPrefix("server.tls.client_subject_header: 'X-Forwarded-For' is set by the gateway") == true)
        let notAName = Self.issues(Self.server(tls: "{ certificates: [{ cert: a.pem, key: a.key }], client_ca: ca.pem, client_subject_header: 'X Client' }"))
        #expect(notAName == ["server.tls.client_subject_header: must be a header name such as X-Client-Subject, got 'X Client'"])
    }

    @Test("redirect_http and hsts need server.tls")
    func redirectAndHSTSNeedTLS() {
        let issues = Self.issues("""
            server:
              listen: "127.0.0.1:8080"
              redirect_http: "127.0.0.1:8081"
              hsts: 180d
            """)
        #expect(issues.contains("server.redirect_http: needs server.tls: it redirects plain HTTP to the HTTPS listener"))
        #expect(issues.contains("server.hsts: needs server.tls: Strict-Transport-Security is sent on HTTPS responses only"))
        #expect(issues.count == 2)
    }

    @Test("redirect_http must differ from listen; hsts and reload_interval have a 1 s floor")
    func addressAndDurations() {
        let same = Self.issues(Self.server("redirect_http: \"127.0.0.1:8443\""))
        #expect(same == ["server.redirect_http: must differ from server.listen (127.0.0.1:8443)"])
        let short = Self.issues(Self.server(tls: "{ certificates: [{ cert: a.pem, key: a.key }], reload_interval: 500ms }", "hsts: 0s"))
        #expect(short.contains("server.tls.reload_interval: must be at least 1s, got 500ms"))
        #expect(short.contains("server.hsts: must be at least 1s, got 0s"))
        #expect(short.count == 2)
    }

    @Test("certificates must be present and non-empty")
    func certificatesRequired() {
        #expect(Self.issues(Self.server(tls: "{ certificates: [] }")) == ["server.tls.certificates: must list at least one { cert, key }"])
        let missing = Self.issues(Self.server(tls: "{ min_version: '1.3' }"))
        #expect(missing.count == 1)
        #expect(missing.first?.hasPrefix("server.tls.certificates: missing") == true)
    }

    @Test("each certificate entry needs cert and key, and says which entry")
    func certificateEntries() {
        let issues = Self.issues(Self.server(tls: """
            { certificates: [{ cert: a.pem, key: a.key }, { cert: b.pem }, { key: c.key }, { cert: '', key: d.key }] }
            """))
        #expect(issues.contains { $0.hasPrefix("server.tls.certificates[1].key: missing") })
        #expect(issues.contains { $0.hasPrefix("server.tls.certificates[2].cert: missing") })
        #expect(issues.contains("server.tls.certificates[3].cert: must be a file path"))
        #expect(issues.count == 3)
    }

    @Test("a hosts entry that is not a host name is named by index")
    func certificateHosts() {
        let issues = Self.issues(Self.server(tls: """
            { certificates: [{ cert: a.pem, key: a.key, hosts: [ok.example.com, "https://x.example", "a.*.example", "api.example.com:443"] }] }
            """))
        #expect(issues.contains("server.tls.certificates[0].hosts[1]: must be a host name such as api.example.com or *.example.com, got 'https://x.example'"))
        #expect(issues.contains { $0.hasPrefix("server.tls.certificates[0].hosts[2]:") })
        #expect(issues.contains { $0.hasPrefix("server.tls.certificates[0].hosts[3]:") })
        #expect(issues.count == 3)
    }

    @Test("every problem in server.tls is reported at once")
    func allProblemsAtOnce() {
        let issues = Self.issues("""
            server:
              tls:
                certificates: [{ cert: a.pem }]
                min_version: "1.1"
                client_subject_header: X-Client-Subject
                reload_interval: 10ms
              hsts: 1d
            """)
        #expect(issues.contains { $0.hasPrefix("server.tls.certificates[0].key:") })
        #expect(issues.contains { $0.hasPrefix("server.tls.min_version:") })
        #expect(issues.contains { $0.hasPrefix("server.tls.client_subject_header:") })
        #expect(issues.contains { $0.hasPrefix("server.tls.reload_interval:") })
        #expect(issues.count == 4)
    }

    // MARK: upstream TLS

    @Test("every upstream TLS key is read")
    func everyUpstreamKeyIsRead() throws {
        let configuration = try Self.parse("""
            upstreams:
              vendor:
                targets: ["https://api.vendor.com", "https://10.0.0.7:8443"]
                tls: { ca: /etc/bulwark/vendor-ca.pem, server_name: api.vendor.com, client_cert: /etc/b/c.pem, client_key: /etc/b/c.key, verify: false }
                host: target
                resolve_interval: 5s
              literal:
                targets: ["https://api.vendor.com"]
                host: vendor.example:8443
              client:
                targets: ["https://api.vendor.com"]
                host: client
            routes:
              - { path_prefix: /v, upstream: vendor }
              - { path_prefix: /l, upstream: literal }
              - { path_prefix: /c, upstream: client }
            """)
        let vendor = try #require(configuration.upstreams.first { $0.name == "vendor" })
        #expect(vendor.targets == [TargetURL(host: "api.vendor.com", port: 443, scheme: .https), TargetURL(host: "10.0.0.7", port: 8443, scheme: .https)])
        #expect(vendor.tls.ca == "/etc/bulwark/vendor-ca.pem")
        #expect(vendor.tls.serverName == "api.vendor.com")
        #expect(vendor.tls.clientCertificate == "/etc/b/c.pem")
        #expect(vendor.tls.clientKey == "/etc/b/c.key")
        #expect(vendor.tls.verify == false)
        #expect(vendor.host == .target)
        #expect(vendor.resolveInterval == .seconds(5))
        #expect(configuration.upstreams.first { $0.name == "literal" }?.host == .literal("vendor.example:8443"))
        #expect(configuration.upstreams.first { $0.name == "client" }?.host == .client)
    }

    @Test("https targets default to port 443 and send the target's Host; http targets keep the client's")
    func targetDefaults() throws {
        let configuration = try Self.parse("""
            upstreams:
              mixed:
                targets: ["https://api.vendor.com", "https://api.vendor.com:443/", "http://127.0.0.1", "https://[::1]"]
            """)
        let mixed = try #require(configuration.upstreams.first)
        #expect(mixed.targets.map(\.port) == [443, 443, 80, 443])
        #expect(mixed.targets.map(\.scheme) == [.https, .https, .http, .https])
        #expect(mixed.targets[0].hostHeaderValue == "api.vendor.com")
        #expect(mixed.targets[0].description == "https://api.vendor.com:443")
        #expect(mixed.host == nil)
        #expect(mixed.hostHeader(for: mixed.targets[0]) == .target)
        #expect(mixed.hostHeader(for: mixed.targets[2]) == .client)
        #expect(mixed.tls.verify == true)
        #expect(mixed.tls.ca == nil)
        #expect(mixed.tls.serverName == nil)
        #expect(mixed.resolveInterval == .seconds(30))
    }

    @Test("upstream tls with only http targets is refused with its key path")
    func tlsWithHTTPTargets() {
        let issues = Self.issues("""
            upstreams:
              app:
                targets: ["http://127.0.0.1:3001", "http://127.0.0.1:3002"]
                tls: { ca: ca.pem }
            """)
        #expect(issues == ["upstreams.app.tls: applies to https:// targets only, and every target is http://"])
        #expect(Self.issues("""
            upstreams:
              app:
                targets: ["http://127.0.0.1:3001", "https://127.0.0.1:3002"]
                tls: { ca: ca.pem }
            """).isEmpty)
    }

    @Test("client_cert and client_key go together", arguments: ["client_cert: c.pem", "client_key: c.key"])
    func clientCertificatePair(half: String) {
        let issues = Self.issues("""
            upstreams:
              vendor:
                targets: ["https://api.vendor.com"]
                tls: { \(half) }
            """)
        #expect(issues == ["upstreams.vendor.tls: client_cert and client_key go together: set both or neither"])
    }

    @Test("a host that is neither client, target nor a host name is refused", arguments: ["", "a vendor", "https://api.vendor.com", "user@vendor"])
    func invalidHostLiteral(text: String) {
        let issues = Self.issues("""
            upstreams:
              vendor:
                targets: ["https://api.vendor.com"]
                host: "\(text)"
            """)
        #expect(issues == ["upstreams.vendor.host: must be 'client', 'target' or a host name such as api.vendor.com, got '\(text)'"])
    }

    @Test("bad upstream TLS values are each named")
    func badUpstreamValues() {
        let issues = Self.issues("""
            upstreams:
              vendor:
                targets: ["https://api.vendor.com"]
                tls: { server_name: "api vendor", verify: maybe, pinning: on, ca: "" }
                resolve_interval: 100ms
            """)
        #expect(issues.contains("upstreams.vendor.tls.server_name: must be a host name such as api.vendor.com, got 'api vendor'"))
        #expect(issues.contains { $0.hasPrefix("upstreams.vendor.tls.verify:") })
        #expect(issues.contains { $0.hasPrefix("upstreams.vendor.tls.pinning: unknown key") })
        #expect(issues.contains("upstreams.vendor.tls.ca: must be a file path"))
        #expect(issues.contains("upstreams.vendor.resolve_interval: must be at least 1s, got 100ms"))
        #expect(issues.count == 5)
    }
}
