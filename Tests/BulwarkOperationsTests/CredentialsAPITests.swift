import BulwarkDemo
@testable import BulwarkOperations
import Foundation
import Testing

/// Upstream credentials through a real gateway and admin listener: the `credentials` object of
/// `/api/upstreams` for both kinds (and never a secret), the `credentials` health check, and the
/// `upstream_credentials_failing` alert opening while the token endpoint refuses and resolving once it
/// issues a token. The token endpoint is a local ``TokenEndpoint``.
@Suite(.timeLimit(.minutes(1)))
struct CredentialsAPITests {
    static let clientSecret = "cs-9f3a-never-shown"
    static let apiKey = "ak-51d2-never-shown"

    static func yaml(tokenURL: String) -> String {
        """
        alerts: { interval: 50ms }
        upstreams:
          vendor:
            targets: ["http://127.0.0.1:PORT0"]
            credentials:
              oauth2_client_credentials:
                token_url: \(tokenURL)
                client_id: bulwark
                client_secret: \(clientSecret)
              renew_before: 10%
          legacy:
            targets: ["http://127.0.0.1:PORT0"]
            credentials: { header: X-Api-Key, value: \(apiKey) }
          plain:
            targets: ["http://127.0.0.1:PORT0"]
        routes:
          - { path_prefix: /vendor, upstream: vendor }
          - { path_prefix: /, upstream: plain }
        """
    }

    /// A gateway with the three upstreams above, its token endpoint failing from the start when `failing`.
    static func withGateway(failing: Bool, _ body: (OperationsHarness, TokenEndpoint) async throws -> Void) async throws {
        let endpoint = try await TokenEndpoint.start(failing: failing)
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        // The harness stops both servers; PORT1 is the token endpoint's.
        try await OperationsHarness.with(yaml: Self.yaml(tokenURL: "http://127.0.0.1:PORT1/token"), upstreams: [app, endpoint.server]) { harness async throws in
            try await body(harness, endpoint)
        }
    }

    static func date(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }

    static func upstream(_ name: String, in harness: OperationsHarness) async throws -> [String: Any]? {
        let upstreams = try await harness.json("/api/upstreams")["upstreams"] as? [[String: Any]] ?? []
        return upstreams.first { $0["name"] as? String == name }
    }

    static func credentials(_ name: String, in harness: OperationsHarness) async throws -> [String: Any]? {
        try await upstream(name, in: harness)?["credentials"] as? [String: Any]
    }

    static func credentialAlert(_ harness: OperationsHarness, status: String) async throws -> [String: Any]? {
        let alerts = try await harness.json("/api/alerts")["alerts"] as? [[String: Any]] ?? []
        return alerts.first { $0["rule"] as? String == "upstream_credentials_failing" && $0["status"] as? String == status }
    }

    static func credentialCheck(_ harness: OperationsHarness) async throws -> [String: Any]? {
        let checks = try await harness.json("/health")["checks"] as? [[String: Any]] ?? []
        return checks.first { $0["kind"] as? String == "credentials" }
    }

    /// What no admin answer may contain: the client secret, the API key, or an issued token.
    static func expectNoSecrets(_ text: String, _ where_: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in [clientSecret, apiKey, "tok-1", "tok-2"] {
            #expect(!text.contains(secret), "\(where_) shows \(secret)", sourceLocation: sourceLocation)
        }
    }

    @Test func upstreamsShowTheTokensStateAndTheHeadersNameButNoSecret() async throws {
        try await Self.withGateway(failing: false) { harness, endpoint async throws in
            #expect(try await eventually { try await Self.credentials("vendor", in: harness)?["has_valid_token"] as? Bool == true })
            let oauth = try #require(try await Self.credentials("vendor", in: harness))
            #expect(Set(oauth.keys) == [
                "type", "token_expires_at", "token_expires_in_seconds", "has_valid_token", "refreshing", "next_refresh_at",
                "last_refresh", "failing_since", "consecutive_failures",
            ])
            #expect(oauth["type"] as? String == "oauth2_client_credentials")
            let expiresIn = try #require(oauth["token_expires_in_seconds"] as? Int)
            #expect((3500...3600).contains(expiresIn))
            let expiresAt = try #require((oauth["token_expires_at"] as? String).flatMap(Self.date))
            #expect(abs(expiresAt.timeIntervalSinceNow - 3600) < 60)
            // Renewed when 10% of the hour is left: 54 minutes after it was issued.
            let nextRefresh = try #require((oauth["next_refresh_at"] as? String).flatMap(Self.date))
            #expect(abs(expiresAt.timeIntervalSince(nextRefresh) - 360) < 2)
            #expect(oauth["refreshing"] as? Bool == false)
            #expect(oauth["failing_since"] is NSNull)
            #expect(oauth["consecutive_failures"] as? Int == 0)
            let last = try #require(oauth["last_refresh"] as? [String: Any])
            #expect(last["result"] as? String == "succeeded")
            #expect(last["error"] is NSNull)
            #expect(last["http_status"] is NSNull)
            #expect(last["at"] is String)
            #expect(endpoint.issued == 1)

            let header = try await Self.credentials("legacy", in: harness)
            #expect(header?.count == 2)
            #expect(header?["type"] as? String == "header")
            #expect(header?["header"] as? String == "X-Api-Key")
            #expect(try await Self.upstream("plain", in: harness)?.keys.contains("credentials") == false)

            let check = try #require(try await Self.credentialCheck(harness))
            #expect(check["name"] as? String == "vendor/credentials")
            #expect(check["status"] as? String == "healthy")
            #expect((check["message"] as? String ?? "").hasPrefix("token valid until "))
            #expect(try await harness.json("/health")["status"] as? String == "HEALTHY")

            for path in ["/api/upstreams", "/health", "/api/alerts", "/metrics", "/api/system"] {
                Self.expectNoSecrets(try await harness.admin(.GET, path).body, path)
            }
        }
    }

    @Test func aRefusingTokenEndpointRaisesACriticalAlertThatResolvesOnceATokenIsIssued() async throws {
        try await Self.withGateway(failing: true) { harness, endpoint async throws in
            #expect(try await eventually { try await Self.credentialAlert(harness, status: "open") != nil })
            let alert = try #require(try await Self.credentialAlert(harness, status: "open"))
            #expect(alert["severity"] as? String == "critical")
            #expect(alert["subject"] as? String == "vendor")
            let message = alert["message"] as? String ?? ""
            #expect(message.hasPrefix("upstream 'vendor': token refreshes failing since "), "\(message)")
            #expect(message.contains("invalid_client"), "\(message)")
            #expect(message.hasSuffix("no valid token is left: its requests answer 503"), "\(message)")

            let oauth = try #require(try await Self.credentials("vendor", in: harness))
            #expect(oauth["has_valid_token"] as? Bool == false)
            #expect(oauth["token_expires_at"] is NSNull)
            #expect(oauth["token_expires_in_seconds"] is NSNull)
            #expect(oauth["failing_since"] is String)
            #expect((oauth["consecutive_failures"] as? Int ?? 0) >= 1)
            let last = try #require(oauth["last_refresh"] as? [String: Any])
            #expect(last["result"] as? String == "failed")
            #expect(last["http_status"] as? Int == 401)
            #expect((last["error"] as? String ?? "").contains("invalid_client"))

            let health = try await harness.json("/health")
            #expect(health["status"] as? String == "DEGRADED")
            #expect(health["ready"] as? Bool == true, "failing credentials never fail readiness")
            #expect(try await Self.credentialCheck(harness)?["status"] as? String == "unhealthy")
            for path in ["/api/upstreams", "/health", "/api/alerts"] {
                Self.expectNoSecrets(try await harness.admin(.GET, path).body, path)
            }

            // The next refresh (a request needing a token, or the 10 s retry) gets one: the alert resolves.
            endpoint.failing = false
            _ = try? await harness.proxy("/vendor")
            #expect(try await eventually(within: .seconds(20)) { try await Self.credentialAlert(harness, status: "resolved") != nil })
            #expect(try await Self.credentialAlert(harness, status: "open") == nil)
            let resolved = try await Self.credentialAlert(harness, status: "resolved")
            #expect(resolved?["resolved_by"] as? String == "auto")
            #expect(try await Self.credentials("vendor", in: harness)?["has_valid_token"] as? Bool == true)
            #expect(try await Self.credentialCheck(harness)?["status"] as? String == "healthy")
        }
    }

    @Test(.enabled(if: DashboardTests.chromium != nil || isCI, "chromium not installed (apt-get install chromium)"))
    func theDashboardShowsEachUpstreamsCredentialOnItsTargetRows() async throws {
        try #require(DashboardTests.chromium != nil, "chromium is required under CI=true (apt-get install chromium)")
        try await Self.withGateway(failing: false) { harness, _ async throws in
            #expect(try await eventually { try await Self.credentials("vendor", in: harness)?["has_valid_token"] as? Bool == true })
            let dom = try await DashboardTests.render("http://127.0.0.1:\(harness.adminPort)/")
            let targets = DashboardTests.text(of: "targets", in: dom) ?? ""
            #expect(targets.contains("Credentials"))
            #expect(targets.contains("header X-Api-Key"), "\(targets)")
            #expect(targets.contains("token valid 59m") || targets.contains("token valid 1h"), "\(targets)")
            Self.expectNoSecrets(dom, "the dashboard")
        }
    }

    @Test func theCredentialsMetricsHaveHelpTexts() {
        let scraped = """
            # TYPE bulwark_credentials_refreshes_total counter
            bulwark_credentials_refreshes_total{name="vendor",outcome="success"} 1
            # TYPE bulwark_credentials_token_expiry_timestamp_seconds gauge
            bulwark_credentials_token_expiry_timestamp_seconds{name="vendor"} 1796036400
            # TYPE bulwark_credentials_failing gauge
            bulwark_credentials_failing{name="vendor"} 0

            """
        let text = PrometheusExporter.addingHelp(to: scraped)
        #expect(text.contains("# HELP bulwark_credentials_refreshes_total OAuth2 token refreshes of an upstream's credentials, by outcome"))
        #expect(text.contains("# HELP bulwark_credentials_token_expiry_timestamp_seconds When the upstream's current OAuth2 token expires"))
        #expect(text.contains("# HELP bulwark_credentials_failing 1 while the upstream's OAuth2 token refreshes fail"))
    }
}
