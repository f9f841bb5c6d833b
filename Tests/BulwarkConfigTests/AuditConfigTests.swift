import BulwarkConfig
import Testing

@Suite("Audit settings (audit:)", .timeLimit(.minutes(1)))
struct AuditConfigTests {
    /// A file with one upstream, two routes (one named `orders`), `auth` when given, then `audit`.
    static func yaml(_ audit: String, auth: String = "") -> String {
        """
        upstreams:
          app: { targets: ["http://127.0.0.1:3001"] }
        routes:
          - { name: orders, path_prefix: /orders, upstream: app }
          - { path_prefix: /, upstream: app }
        \(auth)
        \(audit)
        """
    }

    static let auth = """
    auth:
      jwt:
        issuers:
          - { issuer: "https://issuer.example", secret: "0123456789abcdef0123456789abcdef" }
    """

    static func issues(_ yaml: String) -> [String] {
        do {
            _ = try BulwarkConfiguration.parse(yaml: yaml)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    static func expect(_ found: [String], _ keyPath: String, _ start: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(found.contains { $0.hasPrefix("\(keyPath): \(start)") }, "\(found)", sourceLocation: sourceLocation)
    }

    @Test("no audit: section audits nothing; an empty one takes every default")
    func defaults() throws {
        #expect(try BulwarkConfiguration.parse(yaml: Self.yaml("")).audit == nil)
        let audit = try #require(try BulwarkConfiguration.parse(yaml: Self.yaml("audit:")).audit)
        #expect(audit == AuditSettings())
        #expect(audit.journal == "/var/lib/bulwark/audit")
        #expect(audit.methods == ["POST", "PUT", "PATCH", "DELETE"])
        #expect(audit.durability == .sync && audit.onFailure == .reject)
    }

    @Test("every key is read")
    func everyKey() throws {
        let yaml = Self.yaml("""
        audit:
          journal: /tmp/journal
          database_url: postgresql://audit:hunter2@db:5432/audit
          durability: async
          routes: { methods: [post, Delete], names: [orders] }
          actor: { claim: sub }
          capture_body: 4KiB
          redact: [password, card]
          retention: 30d
          on_failure: pass
          segment_size: 1MiB
          ship_interval: 2s
          ship_batch: 500
        """, auth: Self.auth)
        let audit = try #require(try BulwarkConfiguration.parse(yaml: yaml).audit)
        #expect(audit.journal == "/tmp/journal")
        #expect(audit.databaseURL == "postgresql://audit:hunter2@db:5432/audit")
        #expect(audit.durability == .async)
        #expect(audit.methods == ["POST", "DELETE"])
        #expect(audit.routeNames == ["orders"])
        #expect(audit.actor == .claim("sub"))
        #expect(audit.captureBodyBytes == 4096)
        #expect(audit.redact == ["password", "card"])
        #expect(audit.retention == .seconds(30 * 86_400))
        #expect(audit.onFailure == .pass)
        #expect(audit.segmentBytes == 1 << 20)
        #expect(audit.shipInterval == .seconds(2))
        #expect(audit.shipBatch == 500)
        #expect(audit.audits(method: "POST", route: "orders"))
        #expect(!audit.audits(method: "POST", route: "/"))
        #expect(!audit.audits(method: "GET", route: "orders"))

        let header = try #require(try BulwarkConfiguration.parse(yaml: Self.yaml("audit: { actor: { response_header: X-Audit-Actor } }")).audit)
        #expect(header.actor == .responseHeader("X-Audit-Actor"))
    }

    @Test("each bad value is reported at its key path")
    func badValues() {
        let found = Self.issues(Self.yaml("""
        audit:
          journal: ""
          database_url: mysql://audit:hunter2@db/audit
          durability: sometimes
          routes: { methods: ["PO ST"], names: [ordres], other: 1 }
          actor: { response_header: "Bad Header" }
          capture_body: 65KiB
          redact: [""]
          retention: 12h
          on_failure: ignore
          segment_size: 1KiB
          ship_interval: 1ms
          ship_batch: 0
          shipping: yes
        """))
        Self.expect(found, "audit.journal", "must be a directory path")
        Self.expect(found, "audit.database_url", "must be a postgres:// or postgresql:// URL")
        Self.expect(found, "audit.durability", "must be 'sync'")
        Self.expect(found, "audit.routes.methods[0]", "must be an HTTP method")
        Self.expect(found, "audit.routes.names[0]", "no route named 'ordres' (did you mean 'orders'?)")
        Self.expect(found, "audit.routes.other", "unknown key")
        Self.expect(found, "audit.actor.response_header", "must be a header name")
        Self.expect(found, "audit.capture_body", "must be at most 64KiB")
        Self.expect(found, "audit.redact[0]", "must be a field name")
        Self.expect(found, "audit.retention", "must be at least 1d")
        Self.expect(found, "audit.on_failure", "must be 'reject'")
        Self.expect(found, "audit.segment_size", "must be at least 64KiB")
        Self.expect(found, "audit.ship_interval", "must be at least")
        Self.expect(found, "audit.ship_batch", "must be between 1 and")
        Self.expect(found, "audit.shipping", "unknown key")
        // The database URL's password is never shown.
        #expect(!found.joined().contains("hunter2"), "\(found)")
    }

    @Test("actor: exactly one source; a claim needs auth:")
    func actor() {
        Self.expect(Self.issues(Self.yaml("audit: { actor: { claim: sub } }")), "audit.actor.claim", "needs an auth: section")
        Self.expect(Self.issues(Self.yaml("audit: { actor: { claim: sub, response_header: X-Audit-Actor } }", auth: Self.auth)), "audit.actor", "give exactly one")
        Self.expect(Self.issues(Self.yaml("audit: { actor: {} }")), "audit.actor", "give exactly one")
        Self.expect(Self.issues(Self.yaml("audit: { actor: { response_header: X-Forwarded-User } }")), "audit.actor.response_header", "'X-Forwarded-User' is a forwarding header")
        Self.expect(Self.issues(Self.yaml("audit: { actor: { response_header: Host } }")), "audit.actor.response_header", "'Host' is set by the gateway")
        #expect(Self.issues(Self.yaml("audit: { actor: { claim: sub } }", auth: Self.auth)).isEmpty)
    }

    @Test("a database URL with a password is never echoed, even when it is malformed")
    func databaseURLRedacted() {
        let found = Self.issues(Self.yaml("audit: { database_url: \"http://user:s3cr3t-pw@db/audit?sslmode=x\" }"))
        Self.expect(found, "audit.database_url", "must be a postgres://")
        #expect(!found.joined().contains("s3cr3t-pw"), "\(found)")
        // TLS to the audit database is not built: asking for it is an error at load, not at start.
        let tls = Self.issues(Self.yaml("audit: { database_url: \"postgres://user:s3cr3t-pw@db/audit?sslmode=require\" }"))
        Self.expect(tls, "audit.database_url", "sslmode 'require' is not supported")
        #expect(!tls.joined().contains("s3cr3t-pw"), "\(tls)")
    }
}
