import BulwarkDemo
import Foundation
import Testing

/// Through a real gateway with an HTTPS listener (certificates issued by the demo CA): the `tls` part
/// and check of `/health`, the `certificate_expiring` alert, and both resolving after a renewed
/// certificate is reloaded; the dashboard's TLS card in headless Chromium; no TLS row for a plain listener.
@Suite(.timeLimit(.minutes(1)))
struct TLSHealthTests {
    static func yaml(_ directory: String) -> String {
        """
        alerts: { interval: 50ms }
        server:
          tls:
            certificates:
              - { cert: \(directory)/site.pem, key: \(directory)/site.key }
              - { cert: \(directory)/api.pem, key: \(directory)/api.key, hosts: ["api.example.com"] }
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0"]
        """
    }

    static func certificateAlert(_ harness: OperationsHarness, status: String) async throws -> [String: Any]? {
        let alerts = try await harness.json("/api/alerts")["alerts"] as? [[String: Any]] ?? []
        return alerts.first { $0["rule"] as? String == "certificate_expiring" && $0["status"] as? String == status }
    }

    static func tlsCheck(_ health: [String: Any]) -> [String: Any]? {
        (health["checks"] as? [[String: Any]])?.first { $0["kind"] as? String == "tls" }
    }

    /// A gateway serving a 60-day certificate for `localhost` and one for `api.example.com` that ends in
    /// `apiDays` days and an hour, issued by `authority`; `body` gets the harness and the files' directory.
    static func withTLSGateway(apiDays: Double, _ body: (OperationsHarness, String, CertificateAuthority) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-tls-health-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let authority = try CertificateAuthority.make()
        try authority.issueServer(hosts: ["localhost", "127.0.0.1"], notAfter: Date() + 60 * 86_400)
            .write(certificate: "\(directory)/site.pem", key: "\(directory)/site.key")
        try authority.issueServer(hosts: ["api.example.com"], notAfter: Date() + apiDays * 86_400 + 3600)
            .write(certificate: "\(directory)/api.pem", key: "\(directory)/api.key")
        let upstream = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: Self.yaml(directory), upstreams: [upstream]) { harness async throws in
            try await body(harness, directory, authority)
        }
    }

    @Test func aCertificateTwoDaysFromItsEndDegradesHealthAndAlertsUntilARenewalIsReloaded() async throws {
        try await Self.withTLSGateway(apiDays: 2) { harness, directory, authority async throws in
            // Plain HTTP sent to the HTTPS port is a failed handshake (`not_tls`).
            _ = try? await HTTPReply.fetch(.GET, "http://127.0.0.1:\(harness.port)/")

            #expect(try await eventually { try await Self.certificateAlert(harness, status: "open") != nil })
            let alert = try #require(try await Self.certificateAlert(harness, status: "open"))
            #expect(alert["severity"] as? String == "error")
            #expect(alert["subject"] as? String == "api.example.com")
            let message = alert["message"] as? String ?? ""
            #expect(message.hasPrefix("certificate for api.example.com (\(directory)/api.pem) expires in 2 days, on "), "\(message)")

            #expect(try await eventually { (try await harness.json("/health")["tls"] as? [String: Any])?["handshake_failures"] as? [String: Int] == ["not_tls": 1] })
            let health = try await harness.json("/health")
            #expect(health["status"] as? String == "DEGRADED")
            #expect(try await harness.admin(.GET, "/health/ready").status == 200)
            #expect(Self.tlsCheck(health)?["status"] as? String == "degraded")
            let tls = try #require(health["tls"] as? [String: Any])
            #expect(tls["status"] as? String == "error")
            let certificates = tls["certificates"] as? [[String: Any]] ?? []
            #expect(certificates.map { $0["hosts"] as? [String] ?? [] } == [["localhost"], ["api.example.com"]])
            #expect(certificates.map { $0["days_left"] as? Int ?? -99 } == [59, 2])
            #expect(certificates.map { $0["status"] as? String ?? "" } == ["ok", "error"])
            #expect(certificates.last?["subject"] as? String == "CN=api.example.com")
            #expect(certificates.last?["file"] as? String == "\(directory)/api.pem")
            #expect(certificates.last?["not_after"] is String)

            let metrics = try await harness.admin(.GET, "/metrics").body
            #expect(metrics.contains("# HELP bulwark_tls_certificate_expiry_timestamp_seconds When the HTTPS listener's certificate"))
            #expect(metrics.contains("# HELP bulwark_tls_handshake_failures_total Failed TLS handshakes"))

            // certbot renews; the reload (SIGHUP's path) reads the files again.
            try authority.issueServer(hosts: ["api.example.com"], notAfter: Date() + 90 * 86_400)
                .write(certificate: "\(directory)/api.pem", key: "\(directory)/api.key")
            #expect(harness.gateway.reload(harness.gateway.configuration).status == .applied)
            #expect(try await eventually { try await Self.certificateAlert(harness, status: "resolved")?["resolved_by"] as? String == "auto" })
            #expect(try await Self.certificateAlert(harness, status: "open") == nil)
            let renewed = try await harness.json("/health")
            #expect(Self.tlsCheck(renewed)?["status"] as? String == "healthy")
            #expect((renewed["tls"] as? [String: Any])?["status"] as? String == "ok")
            #expect(renewed["status"] as? String == "HEALTHY")
        }
    }

    @Test(.enabled(if: DashboardTests.chromium != nil || isCI, "chromium not installed (apt-get install chromium)"))
    func theDashboardShowsEachCertificateAndTheFailedHandshakes() async throws {
        try #require(DashboardTests.chromium != nil, "chromium is required under CI=true (apt-get install chromium)")
        try await Self.withTLSGateway(apiDays: 10) { harness, _, _ async throws in
            _ = try? await HTTPReply.fetch(.GET, "http://127.0.0.1:\(harness.port)/")
            #expect(try await eventually { (try await harness.json("/health")["tls"] as? [String: Any])?["handshake_failures"] as? [String: Int] == ["not_tls": 1] })
            let dom = try await DashboardTests.render("http://127.0.0.1:\(harness.adminPort)/")
            #expect(!dom.contains("id=\"tls-section\" hidden"))
            let table = DashboardTests.text(of: "tls", in: dom) ?? ""
            #expect(table.contains("localhost") && table.contains("59") && table.contains("ok"), "\(table)")
            #expect(table.contains("api.example.com") && table.contains("10") && table.contains("warning"), "\(table)")
            #expect(DashboardTests.text(of: "tls-failures", in: dom) == "Failed handshakes: not_tls 1")
        }
    }

    @Test func aPlainListenerHasNoTLSRow() async throws {
        let upstream = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: "upstreams: { app: { targets: [\"http://127.0.0.1:PORT0\"] } }", upstreams: [upstream]) { harness async throws in
            let health = try await harness.json("/health")
            #expect(health["tls"] == nil)
            #expect(Self.tlsCheck(health) == nil)
        }
    }
}
