import BulwarkConfig
import Resilience
import Testing

/// `upstreams.NAME.credentials`: both kinds are read with their defaults, every mistake is reported with
/// its key path, and no secret appears in a message or a description.
@Suite("Credentials configuration", .timeLimit(.minutes(1)))
struct CredentialsConfigurationTests {
    static func upstream(_ credentials: String) -> String {
        """
        upstreams:
          vendor:
            targets: ["https://api.vendor.com"]
            credentials: \(credentials)
        """
    }

    @Test("oauth2_client_credentials: every key read")
    func oauthEveryKey() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: """
            upstreams:
              vendor:
                targets: ["https://api.vendor.com"]
                credentials:
                  oauth2_client_credentials:
                    token_url: https://auth.vendor.com/oauth/token
                    client_id: bulwark
                    client_secret: hunter2-secret
                    auth_method: post
                    scope: "chargers:read"
                    audience: https://api.vendor.com
                    default_lifetime: 30m
                    ca: /etc/bulwark/auth-ca.pem
                  renew_before: 1h
                  pass_client_authorization: true
            """)
        guard case .oauth2ClientCredentials(let oauth) = configuration.upstreams[0].credentials else {
            Issue.record("expected oauth2 credentials")
            return
        }
        #expect(oauth.tokenURL == "https://auth.vendor.com/oauth/token")
        #expect(oauth.clientID == "bulwark")
        #expect(oauth.clientSecret.value == "hunter2-secret")
        #expect(oauth.authMethod == .post)
        #expect(oauth.scope == "chargers:read")
        #expect(oauth.audience == "https://api.vendor.com")
        #expect(oauth.defaultLifetime == .seconds(1800))
        #expect(oauth.ca == "/etc/bulwark/auth-ca.pem")
        #expect(oauth.renewBefore == .duration(.seconds(3600)))
        #expect(oauth.passClientAuthorization)
        #expect(!"\(configuration)".contains("hunter2"))
        #expect(!String(reflecting: configuration).contains("hunter2"))
    }

    @Test("oauth2 defaults: basic, no scope or audience, 1h lifetime, renew at 10% before expiry, client Authorization replaced")
    func oauthDefaults() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.upstream(
            "{ oauth2_client_credentials: { token_url: 'https://a.example/t', client_id: c, client_secret: s }, renew_before: 25% }"
        ))
        guard case .oauth2ClientCredentials(let oauth) = configuration.upstreams[0].credentials else {
            Issue.record("expected oauth2 credentials")
            return
        }
        #expect(oauth.authMethod == .basic)
        #expect(oauth.scope == nil && oauth.audience == nil && oauth.ca == nil)
        #expect(oauth.defaultLifetime == OAuth2ClientCredentialsSettings.Defaults.defaultLifetime)
        #expect(oauth.renewBefore == .fraction(0.25))
        #expect(!oauth.passClientAuthorization)
        #expect(OAuth2ClientCredentialsSettings.Defaults.renewBefore == .fraction(0.1))
    }

    @Test("an API-key header is read, and its value never shown")
    func header() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: Self.upstream("{ header: X-Api-Key, value: k3y-value }"))
        #expect(configuration.upstreams[0].credentials == .header(name: "X-Api-Key", value: SecretText("k3y-value")))
        #expect(!"\(configuration)".contains("k3y-value"))
        #expect(!String(reflecting: configuration).contains("k3y-value"))
    }

    @Test("mistakes are reported with their key paths and without the secrets")
    func mistakes() {
        let path = "upstreams.vendor.credentials"
        let cases: [(String, String)] = [
            ("{ renew_before: 1h }", path),
            ("{ header: X-Api-Key, value: k, oauth2_client_credentials: { token_url: 'https://a/t', client_id: c, client_secret: s } }", path),
            ("{ header: X-Api-Key }", "\(path).value"),
            ("{ header: 'Bad Header', value: k }", "\(path).header"),
            ("{ header: Host, value: k }", "\(path).header"),
            ("{ header: X-Api-Key, value: k, renew_before: 1h }", "\(path).renew_before"),
            ("{ oauth2_client_credentials: { client_id: c, client_secret: s } }", "\(path).oauth2_client_credentials.token_url"),
            ("{ oauth2_client_credentials: { token_url: 'ftp://a/t', client_id: c, client_secret: s } }", "\(path).oauth2_client_credentials.token_url"),
            ("{ oauth2_client_credentials: { token_url: 'https://a/t', client_secret: s } }", "\(path).oauth2_client_credentials.client_id"),
            ("{ oauth2_client_credentials: { token_url: 'https://a/t', client_id: c } }", "\(path).oauth2_client_credentials.client_secret"),
            ("{ oauth2_client_credentials: { token_url: 'https://a/t', client_id: c, client_secret: s, auth_method: jwt } }", "\(path).oauth2_client_credentials.auth_method"),
            ("{ oauth2_client_credentials: { token_url: 'https://a/t', client_id: c, client_secret: s, default_lifetime: 0s } }", "\(path).oauth2_client_credentials.default_lifetime"),
            ("{ oauth2_client_credentials: { token_url: 'https://a/t', client_id: c, client_secret: s }, renew_before: 100% }", "\(path).renew_before"),
            ("{ oauth2_client_credentials: { token_url: 'https://a/t', client_id: c, client_secret: s, extra: 1 } }", "\(path).oauth2_client_credentials.extra"),
        ]
        for (yaml, keyPath) in cases {
            let issues = ConfigurationParsingTests.issues(Self.upstream(yaml))
            #expect(issues.contains { $0.hasPrefix(keyPath + ":") }, "\(yaml) → \(issues)")
        }
        let leaked = ConfigurationParsingTests.issues(Self.upstream(
            "{ oauth2_client_credentials: { token_url: 'https://user:pw-secret@a/t?key=q-secret', client_id: c, client_secret: s3cret, auth_method: x } }"
        ))
        #expect(!leaked.joined().contains("s3cret") && !leaked.joined().contains("pw-secret") && !leaked.joined().contains("q-secret"), "\(leaked)")
        #expect(SecretRedaction.isSecretKey("upstreams.legacy.credentials.value"))
        let badValue = ConfigurationParsingTests.issues(Self.upstream("{ header: X-Api-Key, value: 'k3y-${UNCLOSED' }"))
        #expect(badValue.contains { $0.hasPrefix("upstreams.vendor.credentials.value:") }, "\(badValue)")
        #expect(!badValue.joined().contains("k3y"), "\(badValue)")
    }
}
