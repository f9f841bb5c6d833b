import BulwarkConfig
import Resilience
import Testing

/// Every mistake in `auth:` and the route keys that use it is reported at its key path, all in one pass,
/// and no message shows an issuer's secret.
@Suite("Auth configuration mistakes", .timeLimit(.minutes(1)))
struct AuthConfigurationMistakesTests {
    static let secret = AuthConfigurationTests.secret
    /// A valid issuer, for cases about other keys.
    static let issuer = "{ issuer: https://auth.example.com, jwks_file: /etc/bulwark/jwks.json }"
    static let validAuth = "auth: { jwt: { issuers: [\(issuer)] } }"

    /// The base file with `auth` (a whole `auth:` line, or nothing) and `routes` (a flow list).
    static func yaml(auth: String = validAuth, routes: String = "[{ path_prefix: /, upstream: app }]", redis: Bool = true) -> String {
        let base = redis ? AuthConfigurationTests.base : AuthConfigurationTests.base.replacingOccurrences(of: "redis: { url: \"redis://127.0.0.1:6379/0\" }\n", with: "")
        return base + auth + "\nrate_limits: { tenant: { requests: 10, per: 1m, key: \"claim:tenant\" } }\nroutes: \(routes)\n"
    }

    static func issuers(_ list: String) -> String { "auth: { jwt: { issuers: \(list) } }" }

    /// YAML, the key path its problem must be reported at, and a fragment of the message.
    static let cases: [(yaml: String, keyPath: String, says: String)] = [
        // auth: and auth.jwt
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)] }, revocaton: {} }"), "auth.revocaton", "did you mean 'revocation'?"),
        (yaml(auth: "auth: []"), "auth", "expected a mapping"),
        (yaml(auth: "auth: { jwt: { leeway: 1s } }"), "auth.jwt.issuers", "missing"),
        (yaml(auth: issuers("[]")), "auth.jwt.issuers", "at least one issuer"),
        (yaml(auth: issuers("{ issuer: a }")), "auth.jwt.issuers", "expected a list"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], leeway: 11m } }"), "auth.jwt.leeway", "at most 10m"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], leeway: 30 } }"), "auth.jwt.leeway", "no unit"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], skew: 1s } }"), "auth.jwt.skew", "unknown key"),
        // issuers[]
        (yaml(auth: issuers("[{ jwks_file: /k }]")), "auth.jwt.issuers[0].issuer", "missing"),
        (yaml(auth: issuers("[{ issuer: '', jwks_file: /k }]")), "auth.jwt.issuers[0].issuer", "must not be empty"),
        (yaml(auth: issuers("[{ issuer: a, jwks_file: /k }, { issuer: a, jwks_file: /j }]")), "auth.jwt.issuers[1].issuer", "also auth.jwt.issuers[0].issuer"),
        (yaml(auth: issuers("[{ issuer: a, jwks_file: /k, audiences: [api, ''] }]")), "auth.jwt.issuers[0].audiences[1]", "must not be empty"),
        (yaml(auth: issuers("[{ issuer: a, jwks_files: /k }]")), "auth.jwt.issuers[0].jwks_files", "did you mean 'jwks_file'?"),
        (yaml(auth: issuers("[{ issuer: a }]")), "auth.jwt.issuers[0]", "jwks_file: FILE, jwks_url: URL or secret"),
        (yaml(auth: issuers("[{ issuer: a, jwks_file: /k, jwks_url: 'https://a/j' }]")), "auth.jwt.issuers[0]", "has jwks_file and jwks_url: choose one"),
        (yaml(auth: issuers("[{ issuer: a, jwks_file: /k, secret: '\(secret)' }]")), "auth.jwt.issuers[0]", "has jwks_file and secret: choose one"),
        (yaml(auth: issuers("[{ issuer: a, jwks_file: '  ' }]")), "auth.jwt.issuers[0].jwks_file", "must be a file path"),
        (yaml(auth: issuers("[{ issuer: a, jwks_url: 'ftp://a/jwks' }]")), "auth.jwt.issuers[0].jwks_url", "http:// or https://"),
        (yaml(auth: issuers("[{ issuer: a, jwks_url: 'https://' }]")), "auth.jwt.issuers[0].jwks_url", "http:// or https://"),
        (yaml(auth: issuers("[{ issuer: a, jwks_url: 'https://a/j', jwks_refresh: 500ms }]")), "auth.jwt.issuers[0].jwks_refresh", "at least 1s"),
        (yaml(auth: issuers("[{ issuer: a, jwks_file: /k, jwks_refresh: 1m }]")), "auth.jwt.issuers[0].jwks_refresh", "jwks_url only"),
        (yaml(auth: issuers("[{ issuer: a, secret: '' }]")), "auth.jwt.issuers[0].secret", "must not be empty"),
        (yaml(auth: issuers("[{ issuer: a, secret: short }]")), "auth.jwt.issuers[0].secret", "shorter than the 32 bytes HS256 needs"),
        (yaml(auth: issuers("[{ issuer: a, secret: '\(secret.prefix(40))', algorithms: [HS256, HS384] }]")), "auth.jwt.issuers[0].secret", "48 bytes HS384"),
        // algorithms
        (yaml(auth: issuers("[{ issuer: a, jwks_file: /k, algorithms: [RS256, none] }]")), "auth.jwt.issuers[0].algorithms[1]", "is never accepted"),
        (yaml(auth: issuers("[{ issuer: a, jwks_file: /k, algorithms: [NONE] }]")), "auth.jwt.issuers[0].algorithms[0]", "is never accepted"),
        (yaml(auth: issuers("[{ issuer: a, secret: '\(secret)', algorithms: [none] }]")), "auth.jwt.issuers[0].algorithms[0]", "is never accepted"),
        (yaml(auth: issuers("[{ issuer: a, jwks_file: /k, algorithms: [rs256] }]")), "auth.jwt.issuers[0].algorithms[0]", "did you mean 'RS256'?"),
        (yaml(auth: issuers("[{ issuer: a, jwks_file: /k, algorithms: [RS1024] }]")), "auth.jwt.issuers[0].algorithms[0]", "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA HS256 HS384 HS512"),
        (yaml(auth: issuers("[{ issuer: a, jwks_url: 'https://a/j', algorithms: [HS256] }]")), "auth.jwt.issuers[0].algorithms[0]", "needs a shared secret"),
        (yaml(auth: issuers("[{ issuer: a, secret: '\(secret)', algorithms: [HS256, RS256] }]")), "auth.jwt.issuers[0].algorithms[1]", "needs a public key"),
        (yaml(auth: issuers("[{ issuer: a, jwks_file: /k, algorithms: [] }]")), "auth.jwt.issuers[0].algorithms", "at least one algorithm"),
        // forward_claims
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { 'X User': sub } } }"), "auth.jwt.forward_claims.X User", "must be a header name"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { Host: sub } } }"), "auth.jwt.forward_claims.Host", "set by the gateway"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { Authorization: sub } } }"), "auth.jwt.forward_claims.Authorization", "a meaning of its own"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { Expect: sub } } }"), "auth.jwt.forward_claims.Expect", "a meaning of its own"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { cookie: sub } } }"), "auth.jwt.forward_claims.cookie", "a meaning of its own"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { Transfer-Encoding: sub } } }"), "auth.jwt.forward_claims.Transfer-Encoding", "set by the gateway"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { Keep-Alive: sub } } }"), "auth.jwt.forward_claims.Keep-Alive", "set by the gateway"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { Proxy-Authorization: sub } } }"), "auth.jwt.forward_claims.Proxy-Authorization", "hop-by-hop"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { X-Request-ID: sub } } }"), "auth.jwt.forward_claims.X-Request-ID", "set by the gateway"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { X-Forwarded-Prefix: sub } } }"), "auth.jwt.forward_claims.X-Forwarded-Prefix", "set by the gateway"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { X-User-Id: sub, x-user-id: uid } } }"), "auth.jwt.forward_claims.x-user-id", "also forwarded as 'X-User-Id'"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: { X-User-Id: '' } } }"), "auth.jwt.forward_claims.X-User-Id", "must name a claim"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)], forward_claims: [sub] } }"), "auth.jwt.forward_claims", "expected a mapping"),
        // revocation
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)] }, revocation: { redis: true } }", redis: false), "auth.revocation.redis", "needs a redis: section"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)] }, revocation: { redis: maybe } }"), "auth.revocation.redis", "true or false"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)] }, revocation: { max_ttl: 500ms } }"), "auth.revocation.max_ttl", "at least 1s"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)] }, revocation: { on_store_failure: block } }"), "auth.revocation.on_store_failure", "'allow'"),
        (yaml(auth: "auth: { jwt: { issuers: [\(issuer)] }, revocation: { ttl: 1h } }"), "auth.revocation.ttl", "unknown key"),
        // routes[].auth, claims, match, revoke_on
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: maybe }]"), "routes[0].auth", "'required'"),
        (yaml(auth: "", routes: "[{ path_prefix: /, upstream: app, auth: required }]"), "routes[0].auth", "needs a token issuer"),
        (yaml(auth: "auth: { revocation: { max_ttl: 1h } }", routes: "[{ path_prefix: /, upstream: app, auth: optional }]"), "routes[0].auth", "needs a token issuer"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, claims: { tenant: acme } }]"), "routes[0].claims", "auth: off"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: off, match: { claims: { tenant: acme } } }]"), "routes[0].match.claims", "auth: off"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, claims: { a: b }, match: { claims: { c: d } } }]"), "routes[0].match.claims", "keep one"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, match: { path: /x } }]"), "routes[0].match.path", "unknown key"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, claims: { roles: [a, b] } }]"), "routes[0].claims.roles", "expected a single value"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, claims: { tenant: '' } }]"), "routes[0].claims.tenant", "must not be empty"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, claims: [tenant] }]"), "routes[0].claims", "expected a mapping"),
        (yaml(routes: "[{ path_prefix: /api, upstream: app, auth: required, revoke_on: { path: /logout } }]"), "routes[0].revoke_on.path", "is outside path_prefix '/api'; the route never sees it"),
        (yaml(routes: "[{ path_prefix: /api, upstream: app, auth: required, claims: { tenant: acme }, cache: { ttl: 60s } }]"), "routes[0].cache", "a route chosen by claims cannot cache"),
        (yaml(routes: "[{ path_prefix: /api, upstream: app, auth: required, revoke_on: { path: /apix/logout } }]"), "routes[0].revoke_on.path", "outside path_prefix"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, revoke_on: { path: logout } }]"), "routes[0].revoke_on.path", "starting with '/'"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, revoke_on: { path: '/logout?all=1' } }]"), "routes[0].revoke_on.path", "without query"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, revoke_on: { method: POST } }]"), "routes[0].revoke_on.path", "missing"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, revoke_on: { path: /logout, method: 'PO ST' } }]"), "routes[0].revoke_on.method", "must be a method"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, methods: [GET], revoke_on: { path: /logout } }]"), "routes[0].revoke_on.method", "not among the route's methods"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: required, revoke_on: { path: /logout, verb: POST } }]"), "routes[0].revoke_on.verb", "unknown key"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, revoke_on: { path: /logout } }]"), "routes[0].revoke_on", "auth: off"),
        // claim:NAME rate-limit keys
        (yaml(routes: "[{ path_prefix: /, upstream: app, rate_limits: [global, tenant] }]"), "routes[0].rate_limits", "keyed by claim:tenant"),
        (yaml(routes: "[{ path_prefix: /, upstream: app, auth: off, rate_limits: [tenant] }]"), "routes[0].rate_limits", "the claim is never there"),
    ]

    @Test("every mistake is reported at its key path")
    func mistakes() {
        for (yaml, keyPath, says) in Self.cases {
            let issues = ConfigurationParsingTests.issues(yaml)
            #expect(issues.contains { $0.hasPrefix(keyPath + ":") && $0.contains(says) }, "\(keyPath) → \(issues)")
        }
    }

    @Test("a rate-limit key claim: needs a name, and a bad key lists ip, header:NAME and claim:NAME")
    func claimKey() {
        for key in ["claim:", "claims:tenant", "jwt"] {
            let issues = ConfigurationParsingTests.issues(AuthConfigurationTests.base + "rate_limits: { t: { requests: 1, per: 1s, key: '\(key)' } }")
            #expect(issues.contains { $0.hasPrefix("rate_limits.t.key:") && $0.contains("'ip'") && $0.contains("'header:NAME'") && $0.contains("'claim:NAME'") }, "\(key) → \(issues)")
        }
    }

    @Test("the valid forms of the cases above parse: a covered revoke_on path, claims on a route that asks for a token, a claim class on an optional route")
    func validNeighbours() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.yaml(routes: """
            [{ path_prefix: /api, upstream: app, auth: required, revoke_on: { path: /api } },
             { path_prefix: /api/, upstream: app, auth: optional, revoke_on: { path: /api/x/logout }, rate_limits: [tenant], claims: { tenant: acme } },
             { path_prefix: /, upstream: app, auth: required, methods: [post, get], revoke_on: { path: /logout, method: post } }]
            """))
        #expect(configuration.routes.map(\.revokeOn?.path) == ["/api", "/api/x/logout", "/logout"])
        #expect(configuration.routes[1].claims == ["tenant": "acme"])
        #expect(configuration.routes[2].revokeOn?.method == "POST")
    }

    @Test("every problem is reported in one pass, and a broken issuer is not reported again at each route")
    func onePass() {
        let issues = ConfigurationParsingTests.issues(Self.yaml(
            auth: "auth: { jwt: { issuers: [{ issuer: a, jwks_url: 'ftp://k' }], leeway: 1h, forward_claims: { Host: sub } }, revocation: { max_ttl: 0s } }",
            routes: "[{ path_prefix: /, upstream: app, auth: required }, { path_prefix: /x, upstream: app, auth: sometimes }]"
        ))
        let keyPaths = issues.map { String($0.prefix { $0 != ":" }) }
        #expect(Set(keyPaths) == ["auth.jwt.issuers[0].jwks_url", "auth.jwt.leeway", "auth.jwt.forward_claims.Host", "auth.revocation.max_ttl", "routes[1].auth"], "\(issues)")
    }

    @Test("no problem shows an issuer's secret")
    func secretNeverShown() {
        let withSecret = "secret: '\(Self.secret)'"
        let yamls = [
            Self.yaml(auth: Self.issuers("[{ issuer: a, \(withSecret), algorithms: [RS256, none, hs256] }]")),
            Self.yaml(auth: Self.issuers("[{ issuer: a, \(withSecret), jwks_file: /k }]")),
            Self.yaml(auth: Self.issuers("[{ issuer: a, \(withSecret), jwks_refresh: 1m, audiences: [''] }]")),
            Self.yaml(auth: Self.issuers("[{ issuer: a, secret: '\(Self.secret.prefix(20))' }]")),
            Self.yaml(auth: Self.issuers("[{ issuer: a, secret: '\(Self.secret.prefix(40))${X' }]")),
            Self.yaml(auth: Self.issuers("[{ issuer: a, secret: ['\(Self.secret)'] }]")),
            Self.yaml(auth: Self.issuers("[{ issuer: a, secret: { '\(Self.secret)': x } }]")),
            Self.yaml(auth: "auth: { jwt: { issuers: [{ issuer: a, \(withSecret) }] }, revocation: { redis: true } }", redis: false),
        ]
        for yaml in yamls {
            let issues = ConfigurationParsingTests.issues(yaml)
            #expect(!issues.isEmpty, "\(yaml)")
            #expect(!issues.joined().contains("zq7"), "\(issues)")
        }
    }
}
