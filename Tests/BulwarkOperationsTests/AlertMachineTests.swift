import BulwarkConfig
import BulwarkGateway
@testable import BulwarkOperations
import Foundation
import PropertyBased
import Testing

/// The pure parts: the alert book, the rules, health scoring, the latency histogram, the history ring
/// and the exposition's help lines.
@Suite struct AlertMachineTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func condition(_ subject: String, _ severity: AlertSeverity = .warning, rule: String = "target_unavailable") -> AlertCondition {
        AlertCondition(rule: rule, subject: subject, severity: severity, value: 1, message: "\(subject) is down")
    }

    @Test func anAlertOpensOnceEscalatesAndResolvesWhenItsConditionClears() {
        var book = AlertBook(idPrefix: "t-")
        let opened = book.evaluate([Self.condition("a")], at: Self.t0)
        #expect(opened.count == 1)
        guard case .opened(let alert)? = opened.first else { Issue.record("expected opened"); return }
        let again = book.evaluate([Self.condition("a")], at: Self.t0 + 1)
        #expect(again.isEmpty)
        let worse = book.evaluate([Self.condition("a", .error)], at: Self.t0 + 2)
        #expect(worse.map(\.alert.severity) == [.error])
        let cleared = book.evaluate([], at: Self.t0 + 3)
        guard case .resolved(let resolved)? = cleared.first else { Issue.record("expected resolved"); return }
        #expect(resolved.id == alert.id)
        #expect(resolved.resolvedBy == "auto")
        #expect(resolved.endedAt == Self.t0 + 3)
        #expect(book.openAlerts.isEmpty)
        let reopened = book.evaluate([Self.condition("a")], at: Self.t0 + 4)
        #expect(reopened.first?.alert.id != alert.id)
    }

    @Test func aHandResolvedAlertStaysSilentUntilItsConditionClearsOnce() throws {
        var book = AlertBook(idPrefix: "t-")
        let id = book.evaluate([Self.condition("a")], at: Self.t0).first!.alert.id
        let first = book.resolve(id: id, at: Self.t0 + 1)
        let result = try #require(first)
        #expect(result.changed)
        #expect(result.alert.resolvedBy == "manual")
        let stillHolding = book.evaluate([Self.condition("a")], at: Self.t0 + 2)
        #expect(stillHolding.isEmpty)
        #expect(book.openAlerts.isEmpty)
        let again = book.resolve(id: id, at: Self.t0 + 3)
        let second = try #require(again)
        #expect(!second.changed)
        _ = book.evaluate([], at: Self.t0 + 4)
        let back = book.evaluate([Self.condition("a")], at: Self.t0 + 5)
        #expect(back.count == 1)
        let unknown = book.resolve(id: "unknown", at: Self.t0)
        #expect(unknown == nil)
    }

    @Test func atMostOneAlertIsOpenPerRuleAndSubject() async {
        let subjects = ["a", "b", "c"]
        await propertyCheck(input: Gen.int(in: 0...7).array(of: 1...40), Gen.int(in: 0...2).array(of: 40)) { steps, severities in
            var book = AlertBook(idPrefix: "p-")
            for (index, mask) in steps.enumerated() {
                let holding = subjects.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
                let severity = AlertSeverity.allCases[severities[index % severities.count]]
                _ = book.evaluate(holding.map { Self.condition($0, severity) }, at: Self.t0 + Double(index))
                let open = book.openAlerts
                #expect(Set(open.map(\.subject)).count == open.count)
                #expect(Set(open.map(\.subject)) == Set(holding))
                #expect(open.allSatisfy { $0.severity == severity })
                let ids = book.allAlerts.map(\.id)
                #expect(Set(ids).count == ids.count)
            }
        }
    }

    @Test func rulesFollowTheirThresholds() {
        let settings = AlertSettings()
        var observation = Observation(now: Self.t0)
        observation.residentBytes = 450_000_000
        observation.targets = [
            .init(upstream: "app", target: "h:1", serving: false, ejected: true, activelyHealthy: true, breaker: .closed),
            .init(upstream: "app", target: "h:2", serving: true, ejected: false, activelyHealthy: true, breaker: .closed, probeLatency: .milliseconds(2500), probeDetail: "status 200"),
            .init(upstream: "db", target: "h:3", serving: false, ejected: false, activelyHealthy: false, breaker: .closed),
        ]
        observation.dependencies = [
            .init(name: "redis", kind: "redis", latency: nil, error: "connection refused"),
            .init(name: "cache", kind: "redis", latency: .milliseconds(1200), error: nil),
        ]
        observation.routeTraffic = [
            .init(route: "/api", requests: 100, serverErrors: 6),
            .init(route: "/quiet", requests: 3, serverErrors: 3),
            .init(route: "/fine", requests: 100, serverErrors: 5),
        ]
        let found = Set(AlertRules.conditions(for: observation, settings: settings).map { "\($0.rule) \($0.subject) \($0.severity.rawValue)" })
        #expect(found == [
            "memory_high process warning",
            "target_unavailable app/h:1 warning",
            "target_unavailable db/h:3 warning",
            "dependency_slow app/h:2 error",
            "no_healthy_target db critical",
            "dependency_unreachable redis critical",
            "dependency_slow cache warning",
            "error_rate_high /api warning",
        ])
        observation.residentBytes = 500_000_000
        #expect(AlertRules.conditions(for: observation, settings: settings).contains { $0.rule == "memory_high" && $0.severity == .error })
        var quiet = settings
        quiet.memory.enabled = false
        quiet.targetUnavailable = false
        #expect(!AlertRules.conditions(for: observation, settings: quiet).contains { $0.rule == "memory_high" || $0.rule == "target_unavailable" })
    }

    @Test func healthStatusAndScore() {
        let healthy = HealthReport.Check(name: "a", kind: "target", status: .healthy, latencyMs: 1, message: "")
        let down = HealthReport.Check(name: "b", kind: "target", status: .unhealthy, latencyMs: nil, message: "")
        #expect(HealthScoring.evaluate(checks: [healthy, healthy], routesServable: true, draining: false, openAlerts: []) == (.healthy, 100))
        #expect(HealthScoring.evaluate(checks: [healthy, down], routesServable: true, draining: false, openAlerts: [.warning]) == (.degraded, 45))
        #expect(HealthScoring.evaluate(checks: [down, down], routesServable: false, draining: false, openAlerts: []) == (.unhealthy, 0))
        #expect(HealthScoring.evaluate(checks: [healthy], routesServable: false, draining: false, openAlerts: []) == (.unhealthy, 40))
        #expect(HealthScoring.evaluate(checks: [healthy], routesServable: true, draining: true, openAlerts: []).0 == .degraded)
        #expect(HealthScoring.evaluate(checks: [], routesServable: true, draining: false, openAlerts: [.critical, .critical, .critical, .critical, .critical, .critical]).1 == 0)
    }

    @Test func latencyQuantilesAreWithinABucketOfTheTruth() async {
        await propertyCheck(input: Gen.int(in: 1...5_000_000_000).array(of: 1...300)) { values in
            var histogram = LatencyHistogram()
            for value in values { histogram.record(nanoseconds: Int64(value)) }
            let sorted = values.sorted()
            for q in [0.5, 0.95, 0.99] {
                let truth = Double(sorted[max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1)]) / 1e9
                let estimate = histogram.quantile(q) ?? -1
                #expect(estimate >= truth / 1.26 - 50e-6 && estimate <= truth * 1.26 + 50e-6, "q\(q): \(estimate) vs \(truth)")
            }
            let delta = histogram.subtracting(LatencyHistogram())
            #expect(delta == histogram)
        }
    }

    @Test func historyKeepsTheNewestSamplesInOrder() {
        var history = MetricHistory(capacity: 3)
        for index in 0..<5 { history.record("x", Double(index), at: Self.t0 + Double(index)) }
        #expect(history.samples("x", since: .distantPast)?.map(\.value) == [2, 3, 4])
        #expect(history.samples("x", since: Self.t0 + 3.5)?.map(\.value) == [4])
        #expect(history.samples("y", since: .distantPast) == nil)
    }

    @Test func everyExposedFamilyGetsHelp() {
        let text = "# TYPE bulwark_a_total counter\nbulwark_a_total 1\n# HELP bulwark_b x\n# TYPE bulwark_b gauge\nbulwark_b 2\n"
        let output = PrometheusExporter.addingHelp(to: text)
        #expect(output.contains("# HELP bulwark_a_total Bulwark metric bulwark_a_total.\n# TYPE bulwark_a_total counter"))
        #expect(output.components(separatedBy: "# HELP bulwark_b").count == 2)
    }

    @Test func tokensCompareWholeValues() {
        let token = AdminToken("secret")
        #expect(token?.matches("secret") == true)
        #expect(token?.matches("secre") == false)
        #expect(token?.matches("secret!") == false)
        #expect(AdminToken("") == nil)
        #expect(AdminToken(nil) == nil)
    }
}
