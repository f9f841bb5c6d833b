import BulwarkConfig
import Resilience
import Testing

/// `auth:` and the route keys that use it: the issue's example, every key with its default, `${ENV}` in
/// a secret, and a secret that never shows when a configuration is printed.
@Suite("Auth configuration", .timeLimit(.minutes(1)))
struct AuthConfigurationTests {
    /// The upstreams and Redis the examples route to.
    static let base = """
        redis: { url: "redis://127.0.0.1:6379/0" }
        upstreams:
          app: { targets: ["http://127.0.0.1:3001"] }
          acme_app: { targets: ["http://127.0.0.1:3002"] }

        """

    /// A secret long enough for HS512 (64 bytes), found nowhere else in any test file's YAML.
    static let secret = "zq7-SECRET-VALUE-zq7-0123456789abcdef0123456789abcdef-0123456789ab"

    @Test("the issue's example parses to the expected model")
    func issueExample() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.base + """
            auth:
              jwt:
                issuers:
                  - issuer: https://auth.example.com
                    audiences: [api]
                    jwks_file: /etc/bulwark/jwks.json      # or jwks_url (refreshed on an interval and on an unknown kid)
                    algorithms: [RS256, ES256]              # HS256 only with a `secret`; `none` is never accepted
                leeway: 30s
                forward_claims: { X-User-Id: sub, X-Tenant-Id: tenant }   # headers set from claims (client copies removed)
              revocation:
                redis: true                                # use redis.url; absent → in memory (single instance)
            routes:
              - { path_prefix: /api, claims: { tenant: acme }, upstream: acme_app, auth: required }   # tenant-specific routing
              - { path_prefix: /api, upstream: app, auth: required, rate_limits: [tenant] }
              - { path_prefix: /public, upstream: app, auth: optional }
            rate_limits:
              tenant: { requests: 1000, per: 1m, key: "claim:tenant" }
            """)
        var expected = AuthSettings()
        expected.jwt.issuers = [
            JWTIssuerSettings(issuer: "https://auth.example.com", audiences: ["api"], keys: .file(path: "/etc/bulwark/jwks.json"), algorithms: ["RS256", "ES256"]),
        ]
        expected.jwt.leeway = .seconds(30)
        expected.jwt.forwardClaims = [ForwardedClaim(header: "X-User-Id", claim: "sub"), ForwardedClaim(header: "X-Tenant-Id", claim: "tenant")]
        expected.revocation.usesRedis = true
        #expect(configuration.auth == expected)
        #expect(expected.revocation.maxTTL == .seconds(86_400) && expected.revocation.onStoreFailure == .allow)

        let routes = configuration.routes
        try #require(routes.count == 3)
        #expect(routes[0].pathPrefix == "/api" && routes[0].upstream == "acme_app")
        #expect(routes[0].auth == .required && routes[0].claims == ["tenant": "acme"])
        #expect(routes[1].upstream == "app" && routes[1].auth == .required && routes[1].claims.isEmpty && routes[1].rateLimits == ["tenant"])
        #expect(routes[2].pathPrefix == "/public" && routes[2].auth == .optional)
        let noLogout = routes.allSatisfy { $0.revokeOn == nil }
        #expect(noLogout)
        let tenant = try #require(configuration.rateLimits["tenant"])
        #expect(tenant.key == .claim("tenant"))
        #expect(tenant.key.description == "claim:tenant")
        #expect(tenant.policy.limit == 1000 && tenant.policy.window == .seconds(60))
    }

    @Test("every other key is read: jwks_url with jwks_refresh, a secret with HS algorithms, revocation, match.claims, revoke_on")
    func everyKey() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.base + """
            auth:
              jwt:
                issuers:
                  - { issuer: https://a.example, audiences: web, jwks_url: "https://a.example/.well-known/jwks.json", jwks_refresh: 90s, algorithms: [PS256, EdDSA, ES512] }
                  - { issuer: internal, secret: "\(Self.secret)", algorithms: [HS512, HS256] }
                  - { issuer: https://b.example, jwks_url: "http://b.internal/jwks" }
                leeway: 0s
              revocation: { max_ttl: 2h, on_store_failure: deny }
            routes:
              - path_prefix: /api
                upstream: app
                auth: optional
                match: { claims: { admin: true, level: 3, org: acme } }
                revoke_on: { path: /api/auth/logout }
              - { path_prefix: /api/, upstream: app, auth: required, methods: [delete], revoke_on: { path: /api/session, method: delete } }
              - { path_prefix: /, upstream: app }
            """)
        let auth = try #require(configuration.auth)
        #expect(auth.jwt.issuers == [
            JWTIssuerSettings(issuer: "https://a.example", audiences: ["web"], keys: .url("https://a.example/.well-known/jwks.json", refresh: .seconds(90)), algorithms: ["PS256", "EdDSA", "ES512"]),
            JWTIssuerSettings(issuer: "internal", keys: .secret(Self.secret), algorithms: ["HS512", "HS256"]),
            JWTIssuerSettings(issuer: "https://b.example", keys: .url("http://b.internal/jwks", refresh: JWTSettings.Defaults.jwksRefresh), algorithms: ["RS256", "ES256"]),
        ])
        #expect(auth.jwt.leeway == .zero && auth.jwt.forwardClaims.isEmpty)
        #expect(!auth.revocation.usesRedis && auth.revocation.maxTTL == .seconds(7200) && auth.revocation.onStoreFailure == .deny)
        #expect(configuration.routes[0].claims == ["admin": "true", "level": "3", "org": "acme"])
        #expect(configuration.routes[0].revokeOn == RevokeOnSettings(path: "/api/auth/logout", method: "POST"))
        #expect(configuration.routes[1].revokeOn == RevokeOnSettings(path: "/api/session", method: "DELETE"))
        #expect(configuration.routes[2].auth == .off && configuration.routes[2].claims.isEmpty && configuration.routes[2].revokeOn == nil)
    }

    @Test("defaults: no auth: section is nil; an issuer takes RS256/ES256, a secret HS256; leeway 30s, jwks_refresh 5m, max_ttl 24h, allow")
    func defaults() throws {
        let none = try BulwarkConfiguration.parse(yaml: Self.base + "routes: [{ path_prefix: /, upstream: app }]")
        #expect(none.auth == nil)
        #expect(none.routes[0].auth == .off)
        let configuration = try BulwarkConfiguration.parse(yaml: Self.base + """
            auth:
              jwt:
                issuers:
                  - { issuer: a, jwks_url: "https://a.example/jwks" }
                  - { issuer: b, secret: "\(Self.secret)" }
            """)
        let auth = try #require(configuration.auth)
        #expect(auth.jwt.issuers[0].algorithms == ["RS256", "ES256"])
        #expect(auth.jwt.issuers[0].keys == .url("https://a.example/jwks", refresh: .seconds(300)))
        #expect(auth.jwt.issuers[0].audiences.isEmpty)
        #expect(auth.jwt.issuers[1].algorithms == ["HS256"])
        #expect(auth.jwt.leeway == .seconds(30))
        #expect(auth.revocation == RevocationSettings())
        #expect(!auth.revocation.usesRedis && auth.revocation.maxTTL == .seconds(86_400) && auth.revocation.onStoreFailure == .allow)
    }

    @Test("a secret comes from the environment with ${NAME}, and an unset one is an error that does not show it")
    func secretFromEnvironment() throws {
        let yaml = Self.base + """
            auth: { jwt: { issuers: [{ issuer: internal, secret: "${JWT_SECRET}", algorithms: [HS256] }] } }
            """
        let configuration = try BulwarkConfiguration.parse(yaml: yaml, environment: ["JWT_SECRET": Self.secret])
        #expect(configuration.auth?.jwt.issuers.first?.keys == .secret(Self.secret))
        let unset = ConfigurationParsingTests.issues(yaml)
        #expect(unset.contains { $0.hasPrefix("auth.jwt.issuers[0].secret:") && $0.contains("JWT_SECRET is not set") }, "\(unset)")
        let withDefault = try BulwarkConfiguration.parse(yaml: Self.base + """
            auth: { jwt: { issuers: [{ issuer: internal, secret: "${JWT_SECRET:-\(Self.secret)}" }] } }
            """)
        #expect(withDefault.auth?.jwt.issuers.first?.keys == .secret(Self.secret))
        let unterminated = ConfigurationParsingTests.issues(Self.base + """
            auth: { jwt: { issuers: [{ issuer: internal, secret: "\(Self.secret)${JWT" }] } }
            """)
        #expect(unterminated.contains { $0.hasPrefix("auth.jwt.issuers[0].secret:") }, "\(unterminated)")
        #expect(!unterminated.joined().contains("zq7"), "\(unterminated)")
    }

    @Test("printing, reflecting or dumping a configuration never shows a secret; a jwks_url loses its query")
    func printedConfiguration() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.base + """
            auth:
              jwt:
                issuers:
                  - { issuer: internal, secret: "\(Self.secret)", algorithms: [HS512] }
                  - { issuer: signed, jwks_url: "https://keys.example/jwks?sig=qq-SIGNATURE" }
            routes: [{ path_prefix: /, upstream: app, auth: required }]
            """)
        var dumped = ""
        dump(configuration, to: &dumped)
        let keys = try #require(configuration.auth?.jwt.issuers.map(\.keys))
        let printed = ["\(configuration)", String(reflecting: configuration), dumped, "\(keys)", String(reflecting: keys)]
        for text in printed {
            #expect(!text.contains("zq7"), "\(text)")
            #expect(!text.contains("qq-SIGNATURE"), "\(text)")
        }
        #expect("\(keys[0])" == "secret(***)")
        #expect("\(keys[1])" == "url(https://keys.example/jwks?***, refresh: 5m)")
        #expect("\(JWTKeySource.file(path: "/etc/jwks.json"))" == "file(/etc/jwks.json)")
        #expect(dumped.contains("secret(***)"), "\(dumped)")
        #expect(Mirror(reflecting: keys[0]).children.isEmpty)
    }
}
