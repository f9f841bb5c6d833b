import BulwarkConfig
import BulwarkOperations
import Foundation
import Testing

/// The audit alert rules, read from observations built by hand and run through the evaluator, which
/// opens and resolves them (no clock, no journal).
@Suite("Audit alert rules")
struct AuditAlertTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func observation(_ audit: Observation.AuditObservation?) -> Observation {
        var observation = Observation(now: t0)
        observation.audit = audit
        return observation
    }

    static func shipper(_ state: String, lagSeconds: Double, error: String? = nil) -> Observation.AuditObservation.Shipper {
        .init(state: state, lagEvents: Int(lagSeconds) * 10, lagSeconds: lagSeconds, lastError: error)
    }

    /// Evaluates `audit` at second `second`: "verb rule subject severity" for every change.
    static func step(_ evaluator: inout AlertEvaluator, _ second: Int, _ audit: Observation.AuditObservation?) -> [String] {
        var snapshot = GatewaySnapshot()
        snapshot.audit = audit
        return evaluator.evaluate(snapshot, dependencies: [], residentBytes: nil, now: .seconds(second), date: t0 + Double(second)).map { change in
            let verb = switch change {
            case .opened: "opened"
            case .severityChanged: "changed"
            case .resolved: "resolved"
            }
            return "\(verb) \(change.alert.rule) \(change.alert.subject) \(change.alert.severity.rawValue)"
        }
    }

    @Test("an unavailable journal raises audit_unavailable (critical, with the failure) and resolves once it takes records again")
    func unavailableOpensAndResolves() {
        var evaluator = AlertEvaluator(settings: AlertSettings(), idPrefix: "a-")
        let healthy = Observation.AuditObservation(journalAvailable: true, journalFailure: nil, shipper: nil)
        let broken = Observation.AuditObservation(journalAvailable: false, journalFailure: "write failed: No space left on device", shipper: nil)
        #expect(Self.step(&evaluator, 0, healthy).isEmpty)
        #expect(Self.step(&evaluator, 10, broken) == ["opened audit_unavailable journal critical"])
        #expect(evaluator.book.openAlerts.first?.message.contains("No space left on device") == true)
        #expect(Self.step(&evaluator, 20, broken).isEmpty)
        #expect(Self.step(&evaluator, 30, healthy) == ["resolved audit_unavailable journal critical"])
        #expect(evaluator.book.openAlerts.isEmpty)
    }

    @Test("a failing shipper, or one more than 5 minutes behind, raises audit_shipper_lag (warning); caught up resolves it")
    func shipperLagOpensAndResolves() {
        func audit(_ shipper: Observation.AuditObservation.Shipper) -> Observation.AuditObservation {
            .init(journalAvailable: true, journalFailure: nil, shipper: shipper)
        }
        var evaluator = AlertEvaluator(settings: AlertSettings(), idPrefix: "s-")
        #expect(Self.step(&evaluator, 0, audit(Self.shipper("shipping", lagSeconds: 299))).isEmpty)
        #expect(Self.step(&evaluator, 10, audit(Self.shipper("shipping", lagSeconds: 301))) == ["opened audit_shipper_lag shipper warning"])
        #expect(Self.step(&evaluator, 20, audit(Self.shipper("caught_up", lagSeconds: 0))) == ["resolved audit_shipper_lag shipper warning"])
        #expect(Self.step(&evaluator, 30, audit(Self.shipper("failing", lagSeconds: 3, error: "connection refused"))) == ["opened audit_shipper_lag shipper warning"])
        #expect(evaluator.book.openAlerts.first?.message.contains("connection refused") == true)
        #expect(Self.step(&evaluator, 40, audit(Self.shipper("caught_up", lagSeconds: 0))) == ["resolved audit_shipper_lag shipper warning"])
    }

    @Test("without audit: or without a database, the shipper rule stays quiet")
    func quietWithoutAuditOrShipper() {
        #expect(AlertRules.auditConditions(for: Self.observation(nil)).isEmpty)
        let journalOnly = Observation.AuditObservation(journalAvailable: true, journalFailure: nil, shipper: nil)
        #expect(AlertRules.auditConditions(for: Self.observation(journalOnly)).isEmpty)
    }

    @Test("the rules run with the others")
    func wiredIntoAllRules() {
        let broken = Observation.AuditObservation(journalAvailable: false, journalFailure: nil, shipper: Self.shipper("failing", lagSeconds: 1))
        let rules = AlertRules.conditions(for: Self.observation(broken), settings: .init()).map(\.rule)
        #expect(rules.contains("audit_unavailable"))
        #expect(rules.contains("audit_shipper_lag"))
    }
}
