import BulwarkBench
import BulwarkTestSupport
import Foundation
import Testing

/// `bulwark bench` as a user runs it: exit codes from thresholds, refusals before any load, plans with
/// stages, reports written 0600, and `watch` sampling a real `bulwark serve`.
@Suite(.serialized)
struct BenchCommandTests {
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func run(_ arguments: [String], within limit: Duration = .seconds(30)) async throws -> (status: Int32, output: String, error: String) {
        let runner = try BinaryRunner(["bench"] + arguments)
        let status = try await runner.waitForExit(within: limit)
        return (status, runner.standardOutput, runner.standardError)
    }

    @Test("passing thresholds exit 0, a failing one exits 1 and is marked ✗ in the summary")
    func thresholdExitCodes() async throws {
        let server = try await DelayServer(.init(delays: [.milliseconds(1)]))
        let url = "http://127.0.0.1:\(server.port)/"
        let passing = try await Self.run([url, "-c", "4", "-d", "1s", "--threshold", "p99 < 5s", "--threshold", "error_rate < 1%", "-q"])
        #expect(passing.status == 0, "\(passing.error)")
        #expect(passing.output.contains("✓ p99 < 5s"))
        let failing = try await Self.run([url, "-c", "4", "-d", "1s", "--threshold", "p50 > 2s", "-q"])
        try await server.stop()
        #expect(failing.status == 1)
        #expect(failing.output.contains("✗ p50 > 2s"))
    }

    @Test("a malformed threshold or plan is refused with exit 2 before any request is sent")
    func refusedBeforeLoad() async throws {
        let server = try await DelayServer(.init())
        let url = "http://127.0.0.1:\(server.port)/"
        let badThreshold = try await Self.run([url, "-d", "1s", "--threshold", "p95 < 10ms"])
        #expect(badThreshold.status == 2)
        #expect(badThreshold.error.contains("unknown metric 'p95'"))

        let directory = try Self.temporaryDirectory()
        let plan = directory.appendingPathComponent("plan.yaml")
        try "target: \(url)\nstages:\n  - { duration: 1s, rate: 10 }\n  - { duration: 1s, rat: 10 }\nthresholds: [\"stage nope: p99 < 1ms\"]\n".write(to: plan, atomically: true, encoding: .utf8)
        let badPlan = try await Self.run(["--plan", plan.path])
        #expect(badPlan.status == 2)
        #expect(badPlan.error.contains("stages[1]"))
        #expect(badPlan.error.contains("thresholds[0]"))
        #expect(server.requests == 0)
        try await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    @Test("a plan with a mix and two stages: the JSON report has both stages and every threshold; reports are 0600")
    func planReports() async throws {
        let server = try await DelayServer(.init(delays: [.milliseconds(1)]))
        let directory = try Self.temporaryDirectory()
        let plan = directory.appendingPathComponent("plan.yaml")
        try Data("{\"name\":\"x\"}".utf8).write(to: directory.appendingPathComponent("item.json"))
        try """
            target: http://127.0.0.1:\(server.port)
            requests:
              - { weight: 3, method: GET, path: /api/items }
              - { weight: 1, method: POST, path: /api/items, body_file: item.json, headers: { Content-Type: application/json } }
            stages:
              - { duration: 1s, rate: 50..150, name: ramp }
              - { duration: 1s, rate: 100, name: steady }
            thresholds:
              - "p99 < 2s"
              - "rate >= 0.9 * target_rate"
              - "stage steady: error_rate < 1%"
            """.write(to: plan, atomically: true, encoding: .utf8)
        let json = directory.appendingPathComponent("result.json")
        let html = directory.appendingPathComponent("report.html")
        let result = try await Self.run(["--plan", plan.path, "--json", json.path, "--report", html.path])
        try await server.stop()
        #expect(result.status == 0, "\(result.output)\n\(result.error)")
        let report = try BenchReport.decode(Data(contentsOf: json))
        #expect(report.model == .open)
        #expect(report.stages.map(\.name) == ["ramp", "steady"])
        #expect(report.summary.requests == 200)
        #expect(server.requests == 200)
        #expect(report.thresholds.count == 3)
        let everyThresholdPassed = report.thresholds.allSatisfy(\.passed)
        #expect(everyThresholdPassed)
        for file in [json, html] {
            let permissions = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(permissions == 0o600)
        }
        #expect(try String(contentsOf: html, encoding: .utf8).contains("chart-latency"))
        try? FileManager.default.removeItem(at: directory)
    }

    @Test("watch samples a real bulwark serve's admin API: RSS and CPU on the run's time axis, charted in the report")
    func watchesAGateway() async throws {
        let app = try await DelayServer(.init(delays: [.milliseconds(1)]))
        let directory = try Self.temporaryDirectory()
        let config = directory.appendingPathComponent("bulwark.yaml")
        // The access log is off: nobody reads the runner's stdout pipe, and a full pipe would stall the gateway.
        try """
            server: { listen: "127.0.0.1:0", access_log: "off", drain_timeout: 1s }
            admin: { listen: "127.0.0.1:0" }
            upstreams: { app: { targets: ["http://127.0.0.1:\(app.port)"] } }
            """.write(to: config, atomically: true, encoding: .utf8)
        let gateway = try BinaryRunner(["serve", "--config", config.path])
        defer { gateway.forceKill() }
        var banner = try await gateway.readError(until: "bulwark listening")
        if !banner.contains("admin listening") { banner += try await gateway.readError(until: "admin listening") }
        let port = try #require(BinaryRunner.port(in: banner))
        let adminPort = try #require(BinaryRunner.port(in: banner, after: "admin_listen=127.0.0.1:"))
        let plan = directory.appendingPathComponent("plan.yaml")
        try """
            target: http://127.0.0.1:\(port)/
            stages: [{ duration: 3s, rate: 100 }]
            watch: { url: "http://127.0.0.1:\(adminPort)" }
            """.write(to: plan, atomically: true, encoding: .utf8)
        let json = directory.appendingPathComponent("result.json")
        let html = directory.appendingPathComponent("report.html")
        let result = try await Self.run(["--plan", plan.path, "--json", json.path, "--report", html.path])
        gateway.terminate()
        _ = try await gateway.waitForExit()
        try await app.stop()
        #expect(result.status == 0, "\(result.error)")
        let report = try BenchReport.decode(Data(contentsOf: json))
        #expect(report.summary.requests == 300)
        #expect(report.watch.count >= 2)
        let samplesComplete = report.watch.allSatisfy { ($0.rssBytes ?? 0) > 1_000_000 && $0.cpuSeconds != nil }
        #expect(samplesComplete)
        let duration = report.durationSeconds
        let samplesOnTheAxis = report.watch.allSatisfy { $0.second >= 0 && $0.second <= duration + 1 }
        #expect(samplesOnTheAxis)
        #expect(try String(contentsOf: html, encoding: .utf8).contains("chart-rss"))
        try? FileManager.default.removeItem(at: directory)
    }
}
