import BulwarkConfig
import Resilience
import Testing

/// Configuration errors name the key at fault but never echo a secret: URL passwords, queries and
/// fragments are masked, and values of secret-ish keys are not shown at all.
@Suite("secret redaction", .timeLimit(.minutes(1)))
struct SecretRedactionTests {
    @Test(arguments: [
        ("redis://user:hunter2@cache:6379/0", "redis://user:***@cache:6379/0"),
        ("redis://:hunter2@cache:6379", "redis://:***@cache:6379"),
        ("https://hooks.example/x?token=abc", "https://hooks.example/x?***"),
        ("https://hooks.example/x#token=abc", "https://hooks.example/x#***"),
        ("https://AKIA1:wJalr/K7?x@minio:9000/b?sig=1", "https://AKIA1:***@minio:9000/b?***"),
        ("https://hooks.example/x?email=a@b.example", "https://hooks.example/x?***"),
        ("postgres://app@db:5432/app", "postgres://app@db:5432/app"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("app:s3cret@db:5432", "app:***@db:5432"),
    ])
    func oneURL(url: String, redacted: String) {
        #expect(SecretRedaction.redactingURL(url) == redacted)
        #expect(SecretRedaction.redactingURL(redacted) == redacted, "idempotent")
    }

    @Test func urlsInsideMessagesKeepTheirQuotes() {
        let message = "'redis://u:pa'ss@h:6379' is not a redis:// URL (from BULWARK_REDIS_URL); see https://x.example/?k=v."
        #expect(SecretRedaction.redactingURLs(in: message)
            == "'redis://u:***@h:6379' is not a redis:// URL (from BULWARK_REDIS_URL); see https://x.example/?***.")
        #expect(SecretRedaction.redactingURLs(in: "no url here: 5s") == "no url here: 5s")
    }

    @Test func secretKeysAreRecognisedByTheWordsOfTheirLastComponent() {
        for path in ["redis.password", "backup.s3.secret_key", "webhooks[0].token", "x.api-key", "x.API_TOKEN", "rate_limits.a.key"] {
            #expect(SecretRedaction.isSecretKey(path), "\(path)")
        }
        for path in ["redis.url", "server.max_header_count", "keyboard.layout", "server.listen", "monkey"] {
            #expect(!SecretRedaction.isSecretKey(path), "\(path)")
        }
        #expect(SecretRedaction.shown("abc", at: "backup.s3.secret_key") == "***")
        #expect(SecretRedaction.shown("redis://u:p@h", at: "redis.url") == "redis://u:***@h")
        #expect(SecretRedaction.shown("hooks.example/x?token=1", at: "alerts.webhooks[0]") == "hooks.example/x?***")
        #expect(SecretRedaction.shown("http://u:pass word@h", at: "redis.url") == "http://u:***@h")
        #expect(SecretRedaction.shown("5s", at: "server.drain_timeout") == "5s")
    }

    static func issues(_ yaml: String, environment: [String: String] = [:]) -> [String] {
        ConfigurationParsingTests.issues(yaml, environment: environment)
    }

    @Test func aBadRedisURLWithAPasswordNamesTheKeyButNotThePassword() {
        let issues = Self.issues("redis: { url: 'rediss://cache-user:Sup3rS3cret@cache.internal:6380/0' }")
        #expect(issues.count == 1)
        #expect(issues.first?.hasPrefix("redis.url: ") == true, "\(issues)")
        #expect(issues.first?.contains("cache-user:***@cache.internal:6380/0") == true, "\(issues)")
        #expect(!issues.joined().contains("Sup3rS3cret"))
        // The same through the environment override, and with a password no URL scan could delimit.
        let fromEnvironment = Self.issues("", environment: ["BULWARK_REDIS_URL": "http://u:pass word@cache:6379"])
        #expect(fromEnvironment.first?.hasPrefix("redis.url: ") == true, "\(fromEnvironment)")
        #expect(fromEnvironment.first?.contains("BULWARK_REDIS_URL") == true)
        #expect(!fromEnvironment.joined().contains("pass word") && !fromEnvironment.joined().contains("word@"), "\(fromEnvironment)")
    }

    @Test func aBadWebhookURLWithATokenInItsQueryNamesTheKeyButNotTheToken() {
        let issues = Self.issues("""
            alerts: { webhooks: ["https:///x?token=xoxb-alerts-123", "hooks.example/x?token=xoxb-plain-456"] }
            backup:
              database_url: postgres://app@db/app
              directory: /tmp/b
              notify: { webhooks: ["ftp://hooks.example/x?token=xoxb-backup-789"] }
            """)
        for key in ["alerts.webhooks[0]: ", "alerts.webhooks[1]: ", "backup.notify.webhooks[0]: "] {
            #expect(issues.contains { $0.hasPrefix(key) }, "missing \(key) in \(issues)")
        }
        for secret in ["xoxb", "token="] {
            #expect(!issues.joined().contains(secret), "\(secret) leaked in \(issues)")
        }
    }

    @Test func aBadS3EndpointWithCredentialsNamesTheKeyButNotTheCredentials() {
        let issues = Self.issues("""
            backup:
              database_url: postgres://app@db/app
              directory: /tmp/b
              s3: { endpoint: "s3://AKIAEXAMPLE:wJalrXUtnFEMI@minio:9000/?X-Amz-Signature=deadbeef", bucket: b }
            """)
        #expect(issues.count == 1, "\(issues)")
        #expect(issues.first?.hasPrefix("backup.s3.endpoint: ") == true, "\(issues)")
        #expect(!issues.joined().contains("wJalrXUtnFEMI"))
        #expect(!issues.joined().contains("deadbeef"))
    }

    @Test func otherPlacesThatEchoValuesAreRedactedToo() {
        let issues = Self.issues("""
            backup: { database_url: "mysql://root:r00tpw@db/app", directory: /tmp/b }
            upstreams: { app: { targets: ["http://svc:t4rgetpw@10.0.0.1:80"] } }
            rate_limits: { a: { requests: 1, per: 1m, key: "sk_live_k3ysecret" } }
            server: "redis://x:yamlpw@h"
            admin: { allowed_hosts: ["https://ops:hostpw@ops.example"] }
            alerts: { interval: "${UNSET_${", webhooks: ["https://u:p@${NOPE"] }
            """)
        for key in ["backup.database_url: ", "upstreams.app.targets[0]: ", "rate_limits.a.key: ", "server: ", "admin.allowed_hosts[0]: "] {
            #expect(issues.contains { $0.hasPrefix(key) }, "missing \(key) in \(issues)")
        }
        for secret in ["r00tpw", "t4rgetpw", "k3ysecret", "yamlpw", "hostpw"] {
            #expect(!issues.joined().contains(secret), "\(secret) leaked in \(issues)")
        }
    }
}
