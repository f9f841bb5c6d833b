import BulwarkConfig
@testable import BulwarkOperations
import Foundation
import Testing

/// The `upstream_credentials_failing` rule and the `credentials` health check, on fixed values.
@Suite struct CredentialsAlertTests {
    /// 2026-11-30 10:00:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_032_800)
    static let error401 = "token endpoint: answered 401: invalid_client (bad secret)"

    /// `vendor`'s token: expiring `expiresIn` seconds from now (nil: none held), refreshes failing since
    /// `failingFor` seconds ago (nil: not failing).
    static func vendor(expiresIn: TimeInterval?, failingFor: TimeInterval?, failures: Int = 0, error: String? = error401) -> Observation.CredentialObservation {
        Observation.CredentialObservation(
            upstream: "vendor", hasValidToken: (expiresIn ?? 0) > 0, tokenExpiresAt: expiresIn.map { now + $0 },
            failingSince: failingFor.map { now - $0 }, consecutiveFailures: failingFor == nil ? 0 : failures,
            lastError: failingFor == nil ? nil : error, lastHTTPStatus: failingFor == nil ? nil : 401
        )
    }

    static func observation(_ credentials: [Observation.CredentialObservation], at date: Date = now) -> Observation {
        var observation = Observation(now: date)
        observation.credentials = credentials
        return observation
    }

    static func conditions(_ credentials: [Observation.CredentialObservation]) -> [AlertCondition] {
        AlertRules.conditions(for: observation(credentials), settings: AlertSettings()).filter { $0.rule == "upstream_credentials_failing" }
    }

    @Test func noConditionWhileRefreshesSucceedOrTheFirstTokenIsOnItsWay() {
        #expect(Self.conditions([Self.vendor(expiresIn: 3000, failingFor: nil)]).isEmpty)
        #expect(Self.conditions([Self.vendor(expiresIn: nil, failingFor: nil)]).isEmpty)
        #expect(Self.conditions([]).isEmpty)
    }

    @Test func failingRefreshesWithAValidTokenLeftAreAnError() throws {
        let condition = try #require(Self.conditions([Self.vendor(expiresIn: 1200, failingFor: 600, failures: 3)]).first)
        #expect(condition.severity == .error)
        #expect(condition.subject == "vendor")
        #expect(condition.value == 3)
        #expect(condition.message == "upstream 'vendor': token refreshes failing since 2026-11-30 09:50:00 UTC (3 in a row), last error: \(Self.error401); the current token stays in use until 2026-11-30 10:20:00 UTC")
    }

    @Test func noValidTokenLeftIsCritical() throws {
        let expired = try #require(Self.conditions([Self.vendor(expiresIn: -60, failingFor: 600, failures: 4)]).first)
        #expect(expired.severity == .critical)
        #expect(expired.message == "upstream 'vendor': token refreshes failing since 2026-11-30 09:50:00 UTC (4 in a row), last error: \(Self.error401); no valid token is left (the last one expired at 2026-11-30 09:59:00 UTC): its requests answer 503")
        let never = try #require(Self.conditions([Self.vendor(expiresIn: nil, failingFor: 5, failures: 1)]).first)
        #expect(never.severity == .critical)
        #expect(never.message == "upstream 'vendor': token refreshes failing since 2026-11-30 09:59:55 UTC (1 failure), last error: \(Self.error401); no valid token is left: its requests answer 503")
    }

    @Test func eachUpstreamIsItsOwnSubject() {
        var other = Self.vendor(expiresIn: nil, failingFor: 30, failures: 2)
        other.upstream = "billing"
        let found = Self.conditions([Self.vendor(expiresIn: 100, failingFor: 30, failures: 2), other])
        #expect(found.map(\.subject) == ["vendor", "billing"])
        #expect(found.map(\.severity) == [.error, .critical])
    }

    @Test func theAlertOpensAsAnErrorTurnsCriticalAndResolvesAfterASuccessfulRefresh() throws {
        var book = AlertBook(idPrefix: "t-")
        let opened = book.evaluate(Self.conditions([Self.vendor(expiresIn: 60, failingFor: 10, failures: 1)]), at: Self.now)
        guard case .opened(let alert)? = opened.first else { Issue.record("expected an opened alert, got \(opened)"); return }
        #expect(alert.severity == .error)
        #expect(alert.rule == "upstream_credentials_failing")

        let worse = book.evaluate(Self.conditions([Self.vendor(expiresIn: -1, failingFor: 80, failures: 3)]), at: Self.now + 70)
        guard case .severityChanged(let critical)? = worse.first else { Issue.record("expected a severity change, got \(worse)"); return }
        #expect(critical.severity == .critical)
        #expect(critical.id == alert.id)

        let recovered = book.evaluate(Self.conditions([Self.vendor(expiresIn: 3600, failingFor: nil)]), at: Self.now + 80)
        guard case .resolved(let resolved)? = recovered.first else { Issue.record("expected a resolution, got \(recovered)"); return }
        #expect(resolved.id == alert.id)
        #expect(resolved.resolvedBy == "auto")
        #expect(book.openAlerts.isEmpty)
    }

    @Test func theHealthCheckDegradesWhileFailingAndIsUnhealthyWithoutAToken() {
        func check(_ credential: Observation.CredentialObservation) -> HealthReport.Check? {
            HealthScoring.checks(for: Self.observation([credential]), slowAfter: .seconds(1)).first { $0.kind == "credentials" }
        }
        let fine = check(Self.vendor(expiresIn: 3000, failingFor: nil))
        #expect(fine?.name == "vendor/credentials")
        #expect(fine?.status == .healthy)
        #expect(fine?.message == "token valid until 2026-11-30 10:50:00 UTC")
        #expect(check(Self.vendor(expiresIn: nil, failingFor: nil))?.status == .healthy)
        #expect(check(Self.vendor(expiresIn: nil, failingFor: nil))?.message == "fetching a token")

        let failing = check(Self.vendor(expiresIn: 1200, failingFor: 600, failures: 3))
        #expect(failing?.status == .degraded)
        #expect(failing?.message == "token refreshes failing since 2026-11-30 09:50:00 UTC (\(Self.error401)); the current token is valid until 2026-11-30 10:20:00 UTC")

        let none = check(Self.vendor(expiresIn: -60, failingFor: 600, failures: 4))
        #expect(none?.status == .unhealthy)
        #expect(none?.message == "no valid token, token refreshes failing since 2026-11-30 09:50:00 UTC (\(Self.error401)): requests to the upstream answer 503")
    }

    @Test func noTokenLeftDegradesTheInstanceButNeverMakesItUnhealthy() {
        let observation = Self.observation([Self.vendor(expiresIn: -60, failingFor: 600, failures: 4)])
        let checks = HealthScoring.checks(for: observation, slowAfter: .seconds(1))
        let conditions = AlertRules.conditions(for: observation, settings: AlertSettings())
        let (status, score) = HealthScoring.evaluate(checks: checks, routesServable: true, draining: false, openAlerts: conditions.map(\.severity))
        #expect(status == .degraded)
        #expect(score == 0)   // one unhealthy check (0) − 20 for the critical alert, clamped
        let healthy = Self.observation([Self.vendor(expiresIn: 3000, failingFor: nil)])
        let fine = HealthScoring.evaluate(checks: HealthScoring.checks(for: healthy, slowAfter: .seconds(1)), routesServable: true, draining: false, openAlerts: [])
        #expect(fine.0 == .healthy)
        #expect(fine.1 == 100)
    }
}
