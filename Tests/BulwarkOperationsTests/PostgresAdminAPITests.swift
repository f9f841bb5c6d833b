import BulwarkConfig
import BulwarkGateway
import BulwarkOperations
import BulwarkPostgres
import Foundation
import NIOHTTP1
import Testing

/// `GET /api/postgres`, the `postgres/<cluster>` health check and the monitor's alerts, through an
/// admin service (answering without a socket) whose status source is a fixed value standing in for the proxy.
@Suite("PostgreSQL admin API")
struct PostgresAdminAPITests {
    typealias F = PostgresFixtures

    static func admin(_ source: (any PostgresStatusSource)?) throws -> AdminService {
        var configuration = try BulwarkConfiguration.parse(yaml: "upstreams: { app: { targets: [\"http://127.0.0.1:9\"] } }")
        configuration.admin.listen = ListenAddress(host: "127.0.0.1", port: 0)
        let gateway = try Gateway(configuration: configuration)
        return try AdminService(
            gateway: gateway, exporter: PrometheusExporter(), version: "t", configurationText: nil, configurationPath: nil,
            environment: [:], postgres: source
        )
    }

    static func get(_ admin: AdminService, _ path: String) async -> AdminResponse {
        await admin.respond(to: AdminRequest(method: .GET, uri: path, headers: ["Host": "127.0.0.1"]))
    }

    static func json(_ response: AdminResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    @Test("GET /api/postgres lists clusters, servers and slow queries in the issue's shape")
    func shape() async throws {
        let at = Date(timeIntervalSince1970: 1_800_000_000.25)
        let cluster = F.cluster(slowQueries: [F.query(1240, at: at, statement: "select …")])
        let response = await Self.get(try Self.admin(FixedPostgresStatus([cluster])), "/api/postgres")
        #expect(response.status == .ok)
        #expect(response.headers["Content-Type"].first == "application/json")
        let body = try Self.json(response)
        let clusters = try #require(body["clusters"] as? [[String: Any]])
        #expect(clusters.count == 1)
        let main = try #require(clusters.first)
        #expect(main["name"] as? String == "main")
        #expect(main["primary"] as? String == "10.0.0.1:5432")
        #expect(main["max_replica_lag_seconds"] as? Double == 5)
        #expect(main["slow_query_warning_seconds"] as? Double == 1)
        #expect(main["slow_query_error_seconds"] as? Double == 3)
        #expect((main["listeners"] as? [String: String])?["replicas"] == "127.0.0.1:6433")
        let servers = try #require(main["servers"] as? [[String: Any]])
        let primary = try #require(servers.first)
        #expect(primary["address"] as? String == "10.0.0.1:5432")
        #expect(primary["role"] as? String == "primary")
        #expect(primary["lag_seconds"] as? Double == 0)
        #expect(primary["healthy"] as? Bool == true)
        #expect(primary["connections"] as? Int == 12)
        #expect(primary["waiting"] as? Int == 0)
        #expect(primary["checked_at"] as? String == "2027-01-15T08:00:00.000Z")
        #expect(primary.keys.contains("last_error"))
        #expect(servers.last?["lag_seconds"] as? Double == 0.4)
        let slow = try #require((main["slow_queries"] as? [[String: Any]])?.first)
        #expect(slow["duration_ms"] as? Double == 1240)
        #expect(slow["database"] as? String == "app")
        #expect(slow["user"] as? String == "web")
        #expect(slow["application_name"] as? String == "shop")
        #expect(slow["statement"] as? String == "select …")
        #expect(slow["at"] as? String == "2027-01-15T08:00:00.250Z")
        #expect(slow["level"] as? String == "warning")
        // And it decodes back into the same value.
        let decoded = try JSONDecoder().decode(PostgresStatus.self, from: Data(response.body))
        #expect(decoded == PostgresStatus(clusters: [cluster]))
    }

    @Test("without postgres: it answers an empty list; other methods get 405")
    func emptyWithoutProxy() async throws {
        let admin = try Self.admin(nil)
        let response = await Self.get(admin, "/api/postgres")
        #expect(response.status == .ok)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"clusters":[]}"#)
        let post = await admin.respond(to: AdminRequest(method: .POST, uri: "/api/postgres", headers: ["Host": "127.0.0.1", "X-Bulwark-Admin": "1"]))
        #expect(post.status == .methodNotAllowed)
    }

    @Test("/health has a postgres/<cluster> check: healthy with a primary, unhealthy (instance degraded, still ready) without")
    func healthCheck() async throws {
        let source = FixedPostgresStatus([F.cluster()])
        let admin = try Self.admin(source)
        func check(_ report: HealthReport) -> HealthReport.Check? { report.checks.first { $0.name == "postgres/main" } }
        let healthy = admin.monitor.healthReport()
        #expect(check(healthy)?.status == .healthy)
        #expect(check(healthy)?.kind == "postgres")
        source.set([F.cluster(primary: nil, servers: [F.server("10.0.0.2:5432", "replica")])])
        let report = admin.monitor.healthReport()
        #expect(check(report)?.status == .unhealthy)
        #expect(check(report)?.message.contains("no primary") == true)
        #expect(report.status == .degraded)
        #expect(report.ready)
        source.set([F.cluster(servers: [F.server("10.0.0.1:5432", "primary"), F.server("10.0.0.2:5432", "unknown", lag: nil, healthy: false, error: "timeout")])])
        let degraded = check(admin.monitor.healthReport())
        #expect(degraded?.status == .degraded)
        #expect(degraded?.message.contains("down: 10.0.0.2:5432") == true)
        source.set([])
        #expect(check(admin.monitor.healthReport()) == nil)
    }

    @Test("the monitor reads the source at each evaluation: alerts open and resolve with it")
    func monitorEvaluates() async throws {
        let source = FixedPostgresStatus([F.cluster()])
        let admin = try Self.admin(source)
        admin.monitor.evaluate()
        #expect(!admin.monitor.openAlerts().contains { $0.rule.hasPrefix("postgres") })
        source.set([F.cluster(primary: nil, conflict: ["10.0.0.1:5432", "10.0.0.2:5432"])])
        admin.monitor.evaluate()
        #expect(admin.monitor.openAlerts().map(\.rule).contains("postgres_split_brain"))
        source.set([F.cluster()])
        admin.monitor.evaluate()
        #expect(!admin.monitor.openAlerts().contains { $0.rule.hasPrefix("postgres") })
    }
}
