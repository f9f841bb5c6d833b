import BulwarkConfig
import Foundation
import Resilience
import Testing

@Suite("Bench plan loading", .timeLimit(.minutes(1)))
struct BenchPlanLoadingTests {
    /// A directory holding `item.json`, removed when the test ends.
    final class PlanDirectory {
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-plan-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Data(#"{"name":"widget"}"#.utf8).write(to: URL(fileURLWithPath: "\(path)/item.json"))
        }

        func write(_ name: String, _ text: String) throws -> String {
            let file = "\(path)/\(name)"
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            return file
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// The issues `yaml` is refused with, as `key.path: problem`; empty when it loads.
    func issues(_ yaml: String, baseDirectory: String = "/nonexistent", environment: [String: String] = [:]) -> [String] {
        do {
            _ = try BenchPlan.parse(yaml: yaml, baseDirectory: baseDirectory, environment: environment)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    static let issueExample = """
        target: http://127.0.0.1:8080
        requests:                                     # weighted mix
          - { weight: 8, method: GET,  path: /api/items }
          - { weight: 2, method: POST, path: /api/items, body_file: item.json, headers: { Content-Type: application/json, X-Trace: "1" } }
        stages:                                       # load → stress → soak in one plan
          - { duration: 30s, rate: 1000..10000 }      # ramp
          - { duration: 2m,  rate: 10000 }
          - { duration: 30m, rate: 5000, name: endurance }
        thresholds:                                   # exit code 1 when any fails
          - "p99 < 50ms"
          - "error_rate < 0.1%"
          - "rate >= 0.95 * target_rate"
          - "stage endurance: p99.9 < 1s"
        watch: { url: http://127.0.0.1:9090, token_env: BULWARK_ADMIN_TOKEN }
        connections: 128
        timeout: 5s
        """

    @Test("the issue's example plan loads, body_file relative to the plan file")
    func issueExamplePlan() throws {
        let directory = try PlanDirectory()
        let file = try directory.write("plan.yaml", Self.issueExample)
        let plan = try BenchPlan.load(path: file, environment: ["BULWARK_ADMIN_TOKEN": "t0ken"])
        #expect(plan.target == "http://127.0.0.1:8080")
        #expect(plan.requests == [
            BenchPlan.Request(weight: 8, method: "GET", path: "/api/items"),
            BenchPlan.Request(
                weight: 2, method: "POST", path: "/api/items",
                headers: [BenchPlan.Header(name: "Content-Type", value: "application/json"), BenchPlan.Header(name: "X-Trace", value: "1")],
                body: Array(#"{"name":"widget"}"#.utf8)
            ),
        ])
        #expect(plan.stages == [
            BenchPlan.Stage(duration: .seconds(30), rateFrom: 1000, rateTo: 10_000),
            BenchPlan.Stage(duration: .seconds(120), rateFrom: 10_000),
            BenchPlan.Stage(name: "endurance", duration: .seconds(1800), rateFrom: 5000, rateTo: 5000),
        ])
        #expect(plan.thresholds.map(\.expression) == ["p99 < 50ms", "error_rate < 0.1%", "rate >= 0.95 * target_rate", "stage endurance: p99.9 < 1s"])
        #expect(plan.thresholds[3] == BenchThreshold(stage: "endurance", metric: .p999, comparison: .less, limit: .value(1000), expression: "stage endurance: p99.9 < 1s"))
        #expect(plan.watch == BenchPlan.Watch(url: "http://127.0.0.1:9090", tokenEnvironmentVariable: "BULWARK_ADMIN_TOKEN"))
        #expect(plan.connections == 128)
        #expect(plan.timeout == .seconds(5))
        #expect(plan.totalDuration == .seconds(1950))
        #expect((0..<3).map(plan.stageName(at:)) == ["stage 1", "stage 2", "endurance"])
    }

    @Test("without requests, the plan GETs the target's path and query; optional keys stay unset")
    func defaults() throws {
        let plan = try BenchPlan.parse(yaml: """
            target: http://localhost:${PORT}/api/items?page=2
            stages: [{ duration: 1s, rate: 5 }]
            """, baseDirectory: "/nonexistent", environment: ["PORT": "3000"])
        #expect(plan.target == "http://localhost:3000/api/items?page=2")
        #expect(plan.requests == [BenchPlan.Request(weight: 1, method: "GET", path: "/api/items?page=2", headers: [], body: nil)])
        #expect(plan.thresholds.isEmpty)
        #expect(plan.watch == nil)
        #expect(plan.connections == nil)
        #expect(plan.timeout == nil)
        for (target, path) in [("http://127.0.0.1:8080", "/"), ("http://[::1]", "/"), ("http://127.0.0.1/?q", "/?q"), ("http://127.0.0.1?q", "/?q")] {
            let plan = try BenchPlan.parse(yaml: "{ target: '\(target)', stages: [{ duration: 1s, rate: 1 }] }", baseDirectory: "/")
            #expect(plan.requests.map(\.path) == [path], "\(target)")
        }
    }

    @Test("an inline body, a ramp down to 0, a request without method or weight")
    func inlineBody() throws {
        let plan = try BenchPlan.parse(yaml: """
            target: http://127.0.0.1:8080
            requests:
              - { path: /a, method: PUT, body: '{"x": 1}' }
              - { path: /b }
            stages:
              - { duration: 10s, rate: 100 .. 0, name: cool-down }
              - { duration: 1m30s, rate: 0..2.5 }
            """, baseDirectory: "/")
        #expect(plan.requests == [
            BenchPlan.Request(weight: 1, method: "PUT", path: "/a", body: Array(#"{"x": 1}"#.utf8)), BenchPlan.Request(path: "/b"),
        ])
        #expect(plan.stages == [
            BenchPlan.Stage(name: "cool-down", duration: .seconds(10), rateFrom: 100, rateTo: 0),
            BenchPlan.Stage(duration: .seconds(90), rateFrom: 0, rateTo: 2.5),
        ])
    }

    @Test("every problem is reported at its key path, all at once")
    func everyProblem() throws {
        let directory = try PlanDirectory()
        let problems = issues("""
            target: https://127.0.0.1:8443
            requests:
              - { path: /a, body: x, body_file: item.json, wieght: 3 }
              - { path: /b, body_file: missing.json, method: get, weight: 0 }
              - { path: api, headers: { Content-Length: "5", "Bad Name": x } }
              - { method: POST }
            stages:
              - { duration: 0s, rate: 10, name: warm }
              - { duration: 30, rate: -5, name: warm }
              - { duration: 1m, rate: 0 }
              - { duration: 1m, rate: 1..2..3, name: "2" }
              - { rate: fast, name: "a:b" }
              - { duration: 1m, name: stage 9 }
            thresholds:
              - "p95 < 50ms"
              - "stage soak: p99 < 5ms"
              - "p99 < 5%"
              - "stage warm: p99 < 50ms"
            watch: { url: ftp://x, token_env: NOT_SET }
            connections: 0
            timeout: 0s
            stage: oops
            """, baseDirectory: directory.path)
        #expect(problems == [
            "stage: unknown key (did you mean 'stages'?)",
            "target: https:// targets are not supported yet: use http://, e.g. http://127.0.0.1:8080",
            "requests[0].wieght: unknown key (did you mean 'weight'?)",
            "requests[0]: has both body and body_file: give one",
            "requests[1].weight: must be between 1 and 1000000, got 0",
            "requests[1].method: methods are case-sensitive: write GET",
            "requests[1].body_file: cannot read missing.json (\(directory.path)/missing.json): no such file",
            "requests[2].path: must start with '/', e.g. /api/items, got 'api'",
            "requests[2].headers.Content-Length: is set by bulwark bench from the body; remove it",
            "requests[2].headers.Bad Name: 'Bad Name' is not a valid header name (letters, digits and !#$%&'*+-.^_`|~)",
            "requests[3].path: missing: the path to request, e.g. path: /api/items",
            "stages[0].duration: must be above 0s",
            "stages[1].name: duplicate stage name 'warm' (stages[0] has it already)",
            "stages[1].duration: '30' has no unit: write 30ms, 30s, 30m or 30h",
            "stages[1].rate: a rate must not be negative, got '-5'",
            "stages[2].rate: a stage at rate 0 sends nothing: give a rate above 0, or a ramp from or to 0 such as 0..1000",
            "stages[3].name: '2' names a stage by its position; choose a name with a letter in it, such as warmup",
            "stages[3].rate: expected requests per second such as 1000, or a ramp such as 100..1000, got '1..2..3'",
            "stages[4].name: must not hold ':' (thresholds name a stage as 'stage NAME:'), got 'a:b'",
            "stages[4].duration: missing: how long the stage lasts, e.g. duration: 30s",
            "stages[4].rate: expected requests per second such as 1000, or a ramp such as 100..1000, got 'fast'",
            "stages[5].name: 'stage 9' names a stage by its position; choose a name with a letter in it, such as warmup",
            "stages[5].rate: missing: requests per second, e.g. rate: 1000, or a ramp such as rate: 100..1000",
            "thresholds[0]: unknown metric 'p95' (use p50, p90, p99, p99.9, max, mean, error_rate, rate, missed)",
            "thresholds[1]: no stage named 'soak' (the stages are 'warm', 'stage 2', 'stage 3', 'stage 4', 'stage 5', 'stage 6'; or give a position 1–6)",
            "thresholds[2]: '%' does not apply to p99 (use ms, s or us)",
            "watch.url: expected the admin API's http:// or https:// URL, e.g. http://127.0.0.1:9090, got 'ftp://x'",
            "watch.token_env: the environment variable NOT_SET is not set (it should hold the admin token)",
            "connections: must be between 1 and 100000, got 0",
            "timeout: must be at least 1ms, got 0s",
        ])
    }

    @Test("a stage is named by its name, its `stage N` name when unnamed, or its position")
    func thresholdStages() {
        let plan = """
            target: http://127.0.0.1:8080
            stages: [{ duration: 1s, rate: 1 }, { duration: 1s, rate: 2, name: peak }]
            thresholds:
            """
        for accepted in ["stage peak: p99 < 1s", "stage 2: p99 < 1s", "stage 1: p99 < 1s", "stage stage 1: p99 < 1s", "stage  peak : p99 < 1s"] {
            #expect(issues(plan + "\n  - \"\(accepted)\"") == [], "\(accepted)")
        }
        #expect(issues(plan + "\n  - \"stage 3: p99 < 1s\"") == [
            "thresholds[0]: no stage named '3' (the stages are 'stage 1', 'peak'; or give a position 1–2)",
        ])
        #expect(issues(plan + "\n  - \"stage stage 2: p99 < 1s\"") == [
            "thresholds[0]: no stage named 'stage 2' (the stages are 'stage 1', 'peak'; or give a position 1–2)",
        ])
    }

    @Test("targets must be http://HOST[:PORT][/PATH]", arguments: [
        ("ftp://127.0.0.1/", "target: expected an http:// URL such as http://127.0.0.1:8080/api, got 'ftp://127.0.0.1/'"),
        ("127.0.0.1:8080", "target: expected an http:// URL such as http://127.0.0.1:8080/api, got '127.0.0.1:8080'"),
        ("http://", "target: 'http://' has no host, e.g. http://127.0.0.1:8080"),
        ("http://127.0.0.1:0", "target: 'http://127.0.0.1:0' has no valid port (1–65535)"),
        ("http://127.0.0.1:http", "target: 'http://127.0.0.1:http' has no valid port (1–65535)"),
        ("http://::1/", "target: an IPv6 address goes in brackets, as in http://[::1]:8080, got 'http://::1/'"),
        ("http://[::1/", "target: 'http://[::1/' has an IPv6 address without its closing ']'"),
        ("http://me@127.0.0.1/", "target: 'http://me@127.0.0.1/' holds user information (user@): the target is http://HOST[:PORT][/PATH]; send credentials in a header"),
        ("http://127.0.0.1/a b", "target: 'http://127.0.0.1/a b' holds a space or control character: percent-encode it (a space is %20)"),
        ("http://127.0.0.1/#top", "target: 'http://127.0.0.1/#***' has a fragment (#…), which is never sent: remove it"),
    ])
    func targets(target: String, problem: String) {
        #expect(issues("{ target: '\(target)', stages: [{ duration: 1s, rate: 1 }] }") == [problem])
    }

    @Test("required keys, empty lists, bounds")
    func requiredAndBounds() {
        #expect(issues("") == [
            "target: missing: the server to load, e.g. target: http://127.0.0.1:8080",
            "stages: missing: at least one stage, e.g. stages: [{ duration: 30s, rate: 1000 }]",
        ])
        #expect(issues("target: http://127.0.0.1\nrequests: []\nstages: []") == [
            "requests: must list at least one request, e.g. { path: /api/items }; or leave requests out to GET the target's path",
            "stages: must list at least one stage, e.g. { duration: 30s, rate: 1000 }",
        ])
        #expect(issues("target: http://127.0.0.1\nstages: [{ duration: 24h, rate: 1 }]") == [])
        #expect(issues("target: http://127.0.0.1\nstages: [{ duration: 20h, rate: 1 }, { duration: 4h1s, rate: 1 }]") == [
            "stages: the stages last 86401s in all; a run is bounded to 24h",
        ])
        #expect(issues("target: http://127.0.0.1\nstages: [{ duration: 1s, rate: 1 }]\nconnections: 100001") == [
            "connections: must be between 1 and 100000, got 100001",
        ])
        #expect(issues("target: http://127.0.0.1\nstages: [{ duration: 1s, rate: 1 }]\nthresholds: \"p99 < 5ms\"") == [
            "thresholds: expected a list, got 'p99 < 5ms'",
        ])
        #expect(issues("- just\n- a list") == ["(top level): expected a mapping of keys to values, got a list"])
        #expect(issues("target: [unclosed").first?.hasPrefix("(yaml): invalid YAML at line") == true)
        #expect(issues("target: http://127.0.0.1\nstages: [{ duration: 1s, rate: 1 }]\nwatch: { token_env: 1TOKEN }") == [
            "watch.url: missing: the Bulwark admin API to sample, e.g. http://127.0.0.1:9090",
            "watch.token_env: expected the name of an environment variable such as BULWARK_ADMIN_TOKEN",
        ])
    }

    @Test("a watch without token_env needs no environment")
    func watchWithoutToken() throws {
        let plan = try BenchPlan.parse(yaml: "{ target: 'http://127.0.0.1', stages: [{ duration: 1s, rate: 1 }], watch: { url: 'https://admin.local:9090' } }", baseDirectory: "/")
        #expect(plan.watch == BenchPlan.Watch(url: "https://admin.local:9090", tokenEnvironmentVariable: nil))
    }

    @Test("a plan file that cannot be read is one problem at (file)")
    func missingFile() {
        #expect(throws: ConfigurationError.self) { try BenchPlan.load(path: "/nonexistent/plan.yaml") }
        do {
            _ = try BenchPlan.load(path: "/nonexistent/plan.yaml")
        } catch {
            #expect(error.issues.map(\.description) == ["(file): cannot read /nonexistent/plan.yaml: no such file"])
        }
    }
}
