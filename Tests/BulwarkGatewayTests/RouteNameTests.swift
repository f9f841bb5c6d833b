import BulwarkConfig
import BulwarkDemo
import BulwarkGateway
import CoreMetrics
import Foundation
import Logging
import Synchronization
import Testing

/// Two routes on one prefix, split by method and named: each keeps its own statistics, metric series and
/// access-log label.
@Suite("Route names", .timeLimit(.minutes(1)))
struct RouteNameTests {
    static let yaml = """
        upstreams:
          app: { targets: ["http://127.0.0.1:PORT0"] }
        rate_limits:
          writes: { requests: 2, per: 1m }
        routes:
          - { name: api-read, path_prefix: /api, methods: [GET], upstream: app }
          - { name: api-write, path_prefix: /api, methods: [POST], upstream: app, rate_limits: [writes] }
          - { path_prefix: /, upstream: app }
        """

    @Test("the route label is the name, or else the path prefix; 'none' is still the unmatched label")
    func labels() throws {
        #expect(RouteSettings(pathPrefix: "/api", upstream: "app").label == "/api")
        #expect(RouteSettings(pathPrefix: "/api", upstream: "app", name: "api-read").label == "api-read")
        #expect(RouteSettings.unmatchedLabel == GatewayTelemetry.unmatchedRoute)
    }

    @Test("two routes on one prefix count, measure, rate-limit and log under their own names")
    func namedRoutesKeepSeparateSeries() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-route-names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let logPath = directory.appendingPathComponent("access.log").path
        let metrics = SeriesMetrics()

        var configuration = try BulwarkConfiguration.parse(yaml: Self.yaml.replacingOccurrences(of: "PORT0", with: "\(app.port)"))
        configuration.server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.server.accessLog = .file(logPath)
        var logger = Logger(label: "test.gateway")
        logger.logLevel = .critical
        let gateway = try Gateway(configuration: configuration, logger: logger, metricsFactory: metrics)
        let task = Task { try await gateway.run() }
        let port = await gateway.listeningPort()
        var failure: (any Error)?
        do {
            for _ in 0..<3 { #expect(try await RawHTTP.request("GET", "/api/items", port: port).status == 200) }
            for _ in 0..<2 { #expect(try await RawHTTP.request("POST", "/api/items", port: port, body: "x").status == 200) }
            #expect(try await RawHTTP.request("POST", "/api/items", port: port, body: "x").status == 429)
            #expect(try await RawHTTP.request("GET", "/other", port: port).status == 200)

            #expect(gateway.routes.map(\.label) == ["api-read", "api-write", "/"])
            let statistics = gateway.telemetry.routeStatistics()
            let byRoute = Dictionary(statistics.map { ($0.route, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byRoute["api-read"]?.requests == 3)
            #expect(byRoute["api-read"]?.rateLimited == 0)
            #expect(byRoute["api-write"]?.requests == 3)
            #expect(byRoute["api-write"]?.rateLimited == 1)
            #expect(byRoute["/"]?.requests == 1)
            #expect(byRoute["/api"] == nil, "no series is labelled with the shared prefix: \(statistics.map(\.route))")

            #expect(metrics.total("bulwark_http_requests_total", [("route", "api-read"), ("method", "GET"), ("status", "200")]) == 3)
            #expect(metrics.total("bulwark_http_requests_total", [("route", "api-write"), ("method", "POST"), ("status", "200")]) == 2)
            #expect(metrics.total("bulwark_http_requests_total", [("route", "api-write"), ("method", "POST"), ("status", "429")]) == 1)
            #expect(metrics.total("bulwark_http_rate_limit_decisions_total", [("route", "api-write"), ("decision", "allowed")]) == 2)
            #expect(metrics.total("bulwark_http_rate_limit_decisions_total", [("route", "api-write"), ("decision", "rejected")]) == 1)
            #expect(metrics.recordings("bulwark_http_request_duration_seconds", [("route", "api-read")]) == 3)
            #expect(metrics.recordings("bulwark_http_request_duration_seconds", [("route", "api-write")]) == 3)
            let routeLabels = metrics.routeLabels()
            #expect(!routeLabels.contains("/api"), "no metric series is labelled with the shared prefix: \(routeLabels.sorted())")
        } catch {
            failure = error
        }
        task.cancel()
        _ = await task.result   // the drain flushes the access log
        await app.stop()
        if let failure { throw failure }

        let lines = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
        let routes = try lines.map { line -> String in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return "\(object["method"] ?? "") \(object["status"] ?? "") \(object["route"] ?? "")"
        }
        #expect(routes.sorted() == [
            "GET 200 /", "GET 200 api-read", "GET 200 api-read", "GET 200 api-read",
            "POST 200 api-write", "POST 200 api-write", "POST 429 api-write",
        ])
    }
}

/// A metrics backend that sums counters and counts timer recordings, by label and dimensions.
private final class SeriesMetrics: MetricsFactory, Sendable {
    private let totals = Mutex<[String: Int64]>([:])
    private let created = Mutex<[[(String, String)]]>([])

    /// The sum of counter `label` with exactly `dimensions`.
    func total(_ label: String, _ dimensions: [(String, String)]) -> Int64 {
        totals.withLock { $0["counter," + Self.name(label, dimensions)] ?? 0 }
    }

    /// How many values timer `label` with exactly `dimensions` recorded.
    func recordings(_ label: String, _ dimensions: [(String, String)]) -> Int64 {
        totals.withLock { $0["timer," + Self.name(label, dimensions)] ?? 0 }
    }

    /// Every value of a `route` dimension of any metric created.
    func routeLabels() -> Set<String> {
        Set(created.withLock { $0 }.flatMap { $0.filter { $0.0 == "route" }.map(\.1) })
    }

    private static func name(_ label: String, _ dimensions: [(String, String)]) -> String {
        ([label] + dimensions.map { "\($0.0)=\($0.1)" }).joined(separator: ",")
    }

    private final class Handler: CounterHandler, RecorderHandler, TimerHandler, Sendable {
        let name: String
        let metrics: SeriesMetrics
        init(name: String, metrics: SeriesMetrics) { self.name = name; self.metrics = metrics }
        func increment(by amount: Int64) { metrics.totals.withLock { $0[name, default: 0] += amount } }
        func reset() { metrics.totals.withLock { $0[name] = 0 } }
        func record(_ value: Int64) {}
        func record(_ value: Double) {}
        func recordNanoseconds(_ duration: Int64) { metrics.totals.withLock { $0[name, default: 0] += 1 } }
    }

    private func handler(_ kind: String, _ label: String, _ dimensions: [(String, String)]) -> Handler {
        created.withLock { $0.append(dimensions) }
        return Handler(name: kind + "," + Self.name(label, dimensions), metrics: self)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { handler("counter", label, dimensions) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler { handler("recorder", label, dimensions) }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { handler("timer", label, dimensions) }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
