import BulwarkBench
import Foundation
import Testing

/// `docs/bench-report.schema.json` against what ``BenchReport/json()`` writes, checked by the Python
/// `jsonschema` package (draft 2020-12, formats checked) in the venv CI installs.
@Suite(.timeLimit(.minutes(2)))
struct BenchReportSchemaTests {
    static let schema = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/bench-report.schema.json")

    /// Prints `valid`, or each problem with its JSON path.
    static let validator = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(json.load(open(sys.argv[2]))), key=lambda e: list(e.absolute_path))
        for error in errors:
            print("/".join(str(p) for p in error.absolute_path) + ": " + error.message)
        print("valid" if not errors else "invalid")
        """

    /// The validator's verdict on `json`: `valid` or the problems, then `invalid`.
    static func validate(_ json: Data) async throws -> String {
        let python = try #require(ExternalTool.python, "a Python with jsonschema is required under CI=true (.ci/run installs it)")
        let directory = try ExternalTool.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let document = directory.appendingPathComponent("report.json")
        try json.write(to: document)
        let result = try await ExternalTool.run(python, ["-c", validator, schema.path, document.path])
        #expect(result.status == 0, "\(result.output)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `json` with `change` applied to it as a JSON object.
    static func edited(_ json: Data, _ change: (inout [String: Any]) -> Void) throws -> Data {
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        change(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test(.enabled(if: ExternalTool.python != nil || ExternalTool.isCI, "no /opt/bulwark-moto/bin/python with jsonschema (bash .ci/run installs it)"))
    func aFullOpenModelReportValidates() async throws {
        let report = ReportFixtures.representative()
        #expect(report.stages.count == 3 && !report.thresholds.isEmpty && !report.watch.isEmpty && !report.findings.isEmpty,
                "the fixture covers every part of the schema")
        #expect(report.watch.contains { $0.rssBytes == nil } && report.timeline.contains { $0.targetRate != nil })
        #expect(try await Self.validate(report.json()) == "valid")
    }

    @Test(.enabled(if: ExternalTool.python != nil || ExternalTool.isCI, "no /opt/bulwark-moto/bin/python with jsonschema (bash .ci/run installs it)"))
    func aMinimalClosedModelReportValidates() async throws {
        let json = try ReportFixtures.minimalClosed().json()
        let text = String(decoding: json, as: UTF8.self)
        #expect(!text.contains("target_rate") && !text.contains("rate_from") && !text.contains("null"),
                "nil optionals are left out, never written as null")
        #expect(try await Self.validate(json) == "valid")
        #expect(try await Self.validate(ReportFixtures.empty(model: .closed).json()) == "valid")
    }

    @Test(.enabled(if: ExternalTool.python != nil || ExternalTool.isCI, "no /opt/bulwark-moto/bin/python with jsonschema (bash .ci/run installs it)"))
    func theSchemaIsStrictAtEveryLevel() async throws {
        let json = try ReportFixtures.representative().json()
        let changes: [(String, (inout [String: Any]) -> Void)] = [
            ("unknown top-level key", { $0["surprise"] = 1 }),
            ("unknown summary key", { $0["summary"] = ($0["summary"] as? [String: Any] ?? [:]).merging(["p95": 1]) { $1 } }),
            ("unknown latency key", { object in
                var summary = object["summary"] as? [String: Any] ?? [:]
                summary["latency"] = (summary["latency"] as? [String: Any] ?? [:]).merging(["p95_ms": 1]) { $1 }
                object["summary"] = summary
            }),
            ("unknown stage key", { object in
                var stages = object["stages"] as? [[String: Any]] ?? []
                stages[0]["colour"] = "red"
                object["stages"] = stages
            }),
            ("unknown timeline key", { object in
                var timeline = object["timeline"] as? [[String: Any]] ?? []
                timeline[0]["p90_ms"] = 1
                object["timeline"] = timeline
            }),
            ("unknown watch key", { object in
                var watch = object["watch"] as? [[String: Any]] ?? []
                watch[0]["heap_bytes"] = 1
                object["watch"] = watch
            }),
            ("camelCase key", { $0["durationSeconds"] = $0.removeValue(forKey: "duration_seconds") }),
            ("missing required key", { $0.removeValue(forKey: "summary") }),
            ("null optional", { object in
                var timeline = object["timeline"] as? [[String: Any]] ?? []
                timeline[0]["target_rate"] = NSNull()
                object["timeline"] = timeline
            }),
            ("a date that is not ISO 8601", { $0["started_at"] = "yesterday" }),
        ]
        for (name, change) in changes {
            let verdict = try await Self.validate(Self.edited(json, change))
            #expect(verdict.hasSuffix("invalid"), "\(name) must fail validation: \(verdict)")
        }
    }
}
