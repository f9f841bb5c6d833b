import BulwarkConfig
import BulwarkOperations
import BulwarkPostgres
import Foundation
import Testing

/// The PostgreSQL alert rules, from cluster statuses built by hand run through the evaluator, which
/// opens and resolves them (no clock, no proxy).
@Suite("PostgreSQL alert rules")
struct PostgresAlertTests {
    typealias F = PostgresFixtures

    /// Evaluates `clusters` at second `second` after t0: "verb rule subject severity" for every change.
    static func step(_ evaluator: inout AlertEvaluator, _ second: Int, _ clusters: [PostgresClusterStatus]) -> [String] {
        var snapshot = GatewaySnapshot()
        snapshot.postgres = clusters
        return evaluator.evaluate(snapshot, dependencies: [], residentBytes: nil, now: .seconds(second), date: F.t0 + Double(second)).map { change in
            let verb = switch change {
            case .opened: "opened"
            case .severityChanged: "changed"
            case .resolved: "resolved"
            }
            return "\(verb) \(change.alert.rule) \(change.alert.subject) \(change.alert.severity.rawValue)"
        }
    }

    static func evaluator() -> AlertEvaluator { AlertEvaluator(settings: AlertSettings(), idPrefix: "p-") }

    @Test("a healthy cluster raises nothing")
    func healthyIsQuiet() {
        var observation = Observation(now: F.t0)
        observation.postgres = [F.cluster()]
        #expect(AlertRules.postgresConditions(for: observation).isEmpty)
    }

    @Test("no primary after the first check raises postgres_no_primary (critical) until a primary is back; not before any check")
    func noPrimaryOpensAndResolves() {
        var evaluator = Self.evaluator()
        let unchecked = F.cluster(primary: nil, servers: [F.server("10.0.0.1:5432", "unknown", lag: nil, checked: false)])
        #expect(Self.step(&evaluator, 0, [unchecked]).isEmpty)
        let noPrimary = F.cluster(primary: nil, servers: [F.server("10.0.0.2:5432", "replica", lag: 0)])
        #expect(Self.step(&evaluator, 10, [noPrimary]) == ["opened postgres_no_primary main critical"])
        #expect(evaluator.book.openAlerts.first?.message.contains("cluster 'main'") == true)
        #expect(Self.step(&evaluator, 20, [noPrimary]).isEmpty)
        #expect(Self.step(&evaluator, 30, [F.cluster()]) == ["resolved postgres_no_primary main critical"])
    }

    @Test("two servers claiming primary raise postgres_split_brain (critical) naming both, not no_primary; one stepping down resolves it")
    func splitBrainOpensAndResolves() {
        var evaluator = Self.evaluator()
        let both = F.cluster(primary: nil, conflict: ["10.0.0.1:5432", "10.0.0.2:5432"], servers: [
            F.server("10.0.0.1:5432", "primary"), F.server("10.0.0.2:5432", "primary"),
        ])
        #expect(Self.step(&evaluator, 0, [both]) == ["opened postgres_split_brain main critical"])
        let message = evaluator.book.openAlerts.first?.message ?? ""
        #expect(message.contains("10.0.0.1:5432") && message.contains("10.0.0.2:5432"), "\(message)")
        #expect(Self.step(&evaluator, 10, [F.cluster()]) == ["resolved postgres_split_brain main critical"])
    }

    @Test("a server failing its check raises postgres_server_down (warning) for cluster/host:port with the error; up again resolves it")
    func serverDownOpensAndResolves() {
        var evaluator = Self.evaluator()
        let down = F.cluster(servers: [
            F.server("10.0.0.1:5432", "primary"), F.server("10.0.0.2:5432", "unknown", lag: nil, healthy: false, error: "connection refused"),
        ])
        #expect(Self.step(&evaluator, 0, [down]) == ["opened postgres_server_down main/10.0.0.2:5432 warning"])
        #expect(evaluator.book.openAlerts.first?.message.contains("connection refused") == true)
        #expect(Self.step(&evaluator, 10, [F.cluster()]) == ["resolved postgres_server_down main/10.0.0.2:5432 warning"])
    }

    @Test("a replica over max_replica_lag raises postgres_replica_lag (warning, value the lag); at or under it resolves")
    func replicaLagOpensAndResolves() {
        var evaluator = Self.evaluator()
        func replica(lag: Double) -> PostgresClusterStatus {
            F.cluster(servers: [F.server("10.0.0.1:5432", "primary"), F.server("10.0.0.2:5432", "replica", lag: lag)])
        }
        #expect(Self.step(&evaluator, 0, [replica(lag: 5)]).isEmpty)
        #expect(Self.step(&evaluator, 10, [replica(lag: 7.5)]) == ["opened postgres_replica_lag main/10.0.0.2:5432 warning"])
        #expect(evaluator.book.openAlerts.first?.value == 7.5)
        #expect(Self.step(&evaluator, 20, [replica(lag: 0)]) == ["resolved postgres_replica_lag main/10.0.0.2:5432 warning"])
    }

    @Test("slow_query opens per cluster/database for 5 minutes of observation.now after the query, as a warning or an error")
    func slowQueryWindowAndSeverity() {
        var evaluator = Self.evaluator()
        // A 1.24 s query (over warning 1 s, under error 3 s) finished at t0 + 5 s.
        let warning = F.query(1240, at: F.t0 + 5)
        #expect(Self.step(&evaluator, 0, [F.cluster(slowQueries: [])]).isEmpty)
        #expect(Self.step(&evaluator, 10, [F.cluster(slowQueries: [warning])]) == ["opened slow_query main/app warning"])
        let alert = evaluator.book.openAlerts.first
        #expect(alert?.value == 1240)
        let message = alert?.message ?? ""
        #expect(message.contains("1 slow query") && message.contains("1.24 s") && message.contains("select * from orders where id = ?"), "\(message)")
        // A 3.5 s query in the same database raises it to an error; the message counts both and names the slowest.
        let error = F.query(3500, at: F.t0 + 100, level: "error", statement: "select pg_sleep(?)")
        #expect(Self.step(&evaluator, 120, [F.cluster(slowQueries: [error, warning])]) == ["changed slow_query main/app error"])
        let both = evaluator.book.openAlerts.first?.message ?? ""
        #expect(both.contains("2 slow queries") && both.contains("3.50 s") && both.contains("select pg_sleep(?)"), "\(both)")
        // Still inside 5 minutes of the error query (t0+100 .. t0+400): open; the warning one aged out at t0+305.
        #expect(Self.step(&evaluator, 399, [F.cluster(slowQueries: [error, warning])]).isEmpty)
        #expect(evaluator.book.openAlerts.first?.message.contains("1 slow query") == true)
        // 5 minutes after the last one: resolved, although the proxy still lists it.
        #expect(Self.step(&evaluator, 400, [F.cluster(slowQueries: [error, warning])]) == ["resolved slow_query main/app error"])
    }

    @Test("a query over slow_query.error is an error even when its level says warning; databases alert separately")
    func severityFromDurationAndSubjects() {
        var observation = Observation(now: F.t0 + 60)
        observation.postgres = [F.cluster(slowQueries: [F.query(3000, database: "app"), F.query(1500, database: "reports")])]
        let conditions = AlertRules.postgresConditions(for: observation).map { "\($0.rule) \($0.subject) \($0.severity.rawValue)" }
        #expect(conditions == ["slow_query main/app error", "slow_query main/reports warning"])
    }

    @Test("the rules run with the others, from the monitor's snapshot")
    func wiredIntoAllRules() {
        var observation = Observation(now: F.t0)
        observation.postgres = [F.cluster(primary: nil, servers: [F.server("10.0.0.1:5432", "unknown", lag: nil, healthy: false, error: "timeout")])]
        let rules = AlertRules.conditions(for: observation, settings: .init()).map(\.rule)
        #expect(rules.contains("postgres_no_primary"))
        #expect(rules.contains("postgres_server_down"))
    }
}
