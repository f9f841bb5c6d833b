import BulwarkConfig
import BulwarkGateway
@testable import BulwarkOperations
import Foundation
import Testing

/// The `certificate_expiring` rule, the `tls` health check and section, on fixed dates.
@Suite struct CertificateExpiryTests {
    /// 2026-11-30 10:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_032_800)
    static let day: TimeInterval = 86_400

    static func certificate(_ hosts: [String], expiresIn seconds: TimeInterval, index: Int = 0, file: String = "/etc/bulwark/api.pem") -> TLSCertificateStatus {
        TLSCertificateStatus(index: index, hosts: hosts, subject: "CN=\(hosts.first ?? "default")", file: file, notValidAfter: now + seconds)
    }

    static func observation(_ certificates: [TLSCertificateStatus], at date: Date = now, failures: [String: Int] = [:]) -> Observation {
        var observation = Observation(now: date)
        observation.certificates = certificates
        observation.handshakeFailures = failures
        return observation
    }

    static func conditions(_ certificates: [TLSCertificateStatus], at date: Date = now) -> [AlertCondition] {
        AlertRules.conditions(for: observation(certificates, at: date), settings: AlertSettings()).filter { $0.rule == "certificate_expiring" }
    }

    @Test func theRuleWarnsWithinFourteenDaysAndErrsWithinThree() throws {
        let api = ["api.example.com"]
        #expect(Self.conditions([Self.certificate(api, expiresIn: 15 * Self.day)]).isEmpty)
        let warning = try #require(Self.conditions([Self.certificate(api, expiresIn: 10 * Self.day)]).first)
        #expect(warning.severity == .warning)
        #expect(warning.subject == "api.example.com")
        #expect(warning.message == "certificate for api.example.com (/etc/bulwark/api.pem) expires in 10 days, on 2026-12-10 10:00 UTC")
        let error = try #require(Self.conditions([Self.certificate(api, expiresIn: 2 * Self.day)]).first)
        #expect(error.severity == .error)
        #expect(error.message == "certificate for api.example.com (/etc/bulwark/api.pem) expires in 2 days, on 2026-12-02 10:00 UTC")
        #expect(error.value == 2 * Self.day)
        let expired = try #require(Self.conditions([Self.certificate(api, expiresIn: -Self.day - 3600)]).first)
        #expect(expired.severity == .error)
        #expect(expired.message == "certificate for api.example.com (/etc/bulwark/api.pem) expired 1 day ago, on 2026-11-29 09:00 UTC")
    }

    @Test func theBoundariesBelongToTheMoreUrgentLevel() {
        func level(_ seconds: TimeInterval) -> CertificateExpiry.Level {
            CertificateExpiry(notValidAfter: Self.now + seconds, now: Self.now).level
        }
        #expect(level(14 * Self.day + 1) == .ok)
        #expect(level(14 * Self.day) == .warning)
        #expect(level(3 * Self.day + 1) == .warning)
        #expect(level(3 * Self.day) == .error)
        #expect(level(0) == .error)
        #expect(CertificateExpiry(notValidAfter: Self.now + 5 * 3600, now: Self.now).phrase == "expires in 5 hours, on 2026-11-30 15:00 UTC")
        #expect(CertificateExpiry(notValidAfter: Self.now + 90, now: Self.now).phrase == "expires in 1 minute, on 2026-11-30 10:01 UTC")
        #expect(CertificateExpiry(notValidAfter: Self.now + 2.9 * Self.day, now: Self.now).daysLeft == 2)
        #expect(CertificateExpiry(notValidAfter: Self.now - 3600, now: Self.now).daysLeft == -1)
    }

    @Test func eachCertificateIsItsOwnSubjectNamedByItsHosts() {
        let found = Self.conditions([
            Self.certificate(["www.example.com", "example.com"], expiresIn: 20 * Self.day, index: 0, file: "/etc/bulwark/site.pem"),
            Self.certificate(["api.example.com"], expiresIn: 10 * Self.day, index: 1),
            Self.certificate([], expiresIn: 1 * Self.day, index: 2, file: "/etc/bulwark/other.pem"),
            Self.certificate(["a.example.com", "b.example.com"], expiresIn: 2 * Self.day, index: 3, file: "/etc/bulwark/ab.pem"),
        ]).map { "\($0.subject) \($0.severity.rawValue)" }
        #expect(found == ["api.example.com warning", "/etc/bulwark/other.pem error", "a.example.com,b.example.com error"])
        #expect(Self.conditions([]).isEmpty)
    }

    /// Time moves by fixed dates, and a reload replaces the certificate: the alert opens as a warning,
    /// escalates, and resolves by itself once the renewed certificate is observed.
    @Test func theAlertFollowsTheDateAndResolvesWhenARenewedCertificateIsReloaded() {
        var book = AlertBook(idPrefix: "t-")
        let expiry = Self.now + 15 * Self.day
        let old = TLSCertificateStatus(index: 0, hosts: ["api.example.com"], subject: "CN=api.example.com", file: "/etc/bulwark/api.pem", notValidAfter: expiry)
        func evaluate(_ certificate: TLSCertificateStatus, daysLater: Double) -> [AlertBook.Change] {
            let date = Self.now + daysLater * Self.day
            return book.evaluate(Self.conditions([certificate], at: date), at: date)
        }
        #expect(evaluate(old, daysLater: 0).isEmpty)
        let opened = evaluate(old, daysLater: 5)
        #expect(opened.count == 1)
        guard case .opened(let alert)? = opened.first else { Issue.record("expected an opened alert"); return }
        #expect(alert.severity == .warning)
        #expect(evaluate(old, daysLater: 6).isEmpty)
        let escalated = evaluate(old, daysLater: 13)
        guard case .severityChanged(let worse)? = escalated.first else { Issue.record("expected an escalation"); return }
        #expect(worse.id == alert.id && worse.severity == .error)
        #expect(worse.message.contains("expires in 2 days"))
        var renewed = old
        renewed.notValidAfter = expiry + 90 * Self.day
        let resolved = evaluate(renewed, daysLater: 13.5)
        guard case .resolved(let done)? = resolved.first else { Issue.record("expected a resolve"); return }
        #expect(done.id == alert.id && done.resolvedBy == "auto")
        #expect(book.openAlerts.isEmpty)
    }

    @Test func thereIsNoTLSRowForAPlainListener() throws {
        let plain = Self.observation([])
        #expect(HealthScoring.tls(for: plain) == nil)
        #expect(!HealthScoring.checks(for: plain, slowAfter: .seconds(1)).contains { $0.kind == "tls" })
        let report = HealthReport(status: .healthy, score: 100, ready: true, draining: false, version: "t", uptimeSeconds: 1, checkedAt: Self.now, checks: [], tls: nil)
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(json["tls"] == nil)
    }

    @Test func theTLSRowListsEveryCertificateAndTheFailedHandshakes() throws {
        let observation = Self.observation([
            Self.certificate(["www.example.com"], expiresIn: 40 * Self.day, index: 0, file: "/etc/bulwark/site.pem"),
            Self.certificate(["api.example.com"], expiresIn: 10 * Self.day, index: 1),
        ], failures: ["not_tls": 3, "protocol_version": 1])
        let tls = try #require(HealthScoring.tls(for: observation))
        #expect(tls.status == .warning)
        #expect(tls.certificates.map(\.daysLeft) == [40, 10])
        #expect(tls.certificates.map(\.status) == [.ok, .warning])
        #expect(tls.handshakeFailures == ["not_tls": 3, "protocol_version": 1])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let json = try #require(try JSONSerialization.jsonObject(with: encoder.encode(tls)) as? [String: Any])
        let first = try #require((json["certificates"] as? [[String: Any]])?.first)
        #expect(first["hosts"] as? [String] == ["www.example.com"])
        #expect(first["subject"] as? String == "CN=www.example.com")
        #expect(first["not_after"] as? String == "2027-01-09T10:00:00Z")
        #expect(first["days_left"] as? Int == 40)
        #expect(first["status"] as? String == "ok")
        #expect(json["handshake_failures"] as? [String: Int] == ["not_tls": 3, "protocol_version": 1])
    }

    /// The weighting: ≤ 14 days keeps the check healthy (the open warning alert degrades the status),
    /// ≤ 3 days or expired degrades the check, and nothing about certificates makes the instance UNHEALTHY.
    @Test func aCertificateNearItsEndDegradesButNeverMakesTheInstanceUnhealthy() throws {
        func check(_ days: Double) throws -> HealthReport.Check {
            try #require(HealthScoring.tlsCheck(for: Self.observation([Self.certificate(["api.example.com"], expiresIn: days * Self.day)])))
        }
        let fine = try check(15)
        #expect(fine.status == .healthy && fine.name == "tls" && fine.kind == "tls")
        #expect(fine.message == "1 certificate; the next to expire: api.example.com expires in 15 days, on 2026-12-15 10:00 UTC")
        let soon = try check(10)
        #expect(soon.status == .healthy)
        #expect(soon.message == "1 certificate; api.example.com expires in 10 days, on 2026-12-10 10:00 UTC")
        let urgent = try check(2)
        #expect(urgent.status == .degraded)
        let expired = try check(-1)
        #expect(expired.status == .degraded)

        #expect(HealthScoring.evaluate(checks: [fine], routesServable: true, draining: false, openAlerts: []) == (.healthy, 100))
        #expect(HealthScoring.evaluate(checks: [soon], routesServable: true, draining: false, openAlerts: [.warning]) == (.degraded, 95))
        #expect(HealthScoring.evaluate(checks: [urgent], routesServable: true, draining: false, openAlerts: [.error]) == (.degraded, 40))
        #expect(HealthScoring.evaluate(checks: [expired], routesServable: true, draining: false, openAlerts: [.error]).0 == .degraded)
    }
}
