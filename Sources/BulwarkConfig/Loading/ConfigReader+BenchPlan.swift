import Foundation
import Yams

/// A `bulwark bench --plan` file: its top level, stages, thresholds and `watch`.
extension ConfigReader {
    static let benchPlanKeys = ["target", "requests", "stages", "thresholds", "watch", "connections", "timeout"]

    mutating func readBenchPlan(_ root: Node, baseDirectory: String) -> BenchPlan {
        guard let entries = mapping(root, at: "", allowed: Self.benchPlanKeys) else { return BenchPlan(target: "", requests: [], stages: []) }
        let target = readBenchTarget(entries["target"])
        var plan = BenchPlan(target: target?.url ?? "", requests: [], stages: [])

        if let node = entries["requests"] {
            plan.requests = readBenchRequests(node, baseDirectory: baseDirectory)
        } else if let target {
            plan.requests = [BenchPlan.Request(path: target.pathAndQuery)]
        }
        let stageNames = readBenchStages(entries["stages"], into: &plan)
        if let node = entries["thresholds"], let items = sequence(node, at: "thresholds") {
            plan.thresholds = items.enumerated().compactMap { index, item in readThreshold(item, at: "thresholds[\(index)]", stageNames: stageNames) }
        }
        if let node = entries["watch"] { plan.watch = readWatch(node) }
        plan.connections = int(entries["connections"], at: "connections", in: 1...BenchPlan.maximumConnections)
        plan.timeout = duration(entries["timeout"], at: "timeout", minimum: .milliseconds(1))
        return plan
    }

    /// `stages`: required, at least one, at most 24 hours in all. Returns the name reports give each
    /// entry (`stage N` when unnamed), valid or not, so thresholds can be checked against them.
    private mutating func readBenchStages(_ node: Node?, into plan: inout BenchPlan) -> [String] {
        guard let node else {
            report("stages", "missing: at least one stage, e.g. stages: [{ duration: 30s, rate: 1000 }]")
            return []
        }
        guard let items = sequence(node, at: "stages") else { return [] }
        guard !items.isEmpty else {
            report("stages", "must list at least one stage, e.g. { duration: 30s, rate: 1000 }")
            return []
        }
        var names: [String] = []
        var seen: [String: Int] = [:]
        var valid = true
        for (index, item) in items.enumerated() {
            let (stage, name) = readBenchStage(item, at: "stages[\(index)]", index: index, seen: &seen)
            names.append(name ?? "stage \(index + 1)")
            if let stage { plan.stages.append(stage) } else { valid = false }
        }
        let total = plan.totalDuration
        if valid, total > BenchPlan.maximumDuration {
            report("stages", "the stages last \(DurationSyntax.format(total)) in all; a run is bounded to 24h")
        }
        return names
    }

    /// One stage, and its name when it has a usable one.
    private mutating func readBenchStage(_ node: Node, at path: String, index: Int, seen: inout [String: Int]) -> (BenchPlan.Stage?, String?) {
        guard let entries = mapping(node, at: path, allowed: ["duration", "rate", "name"]) else { return (nil, nil) }
        let name = stageName(entries["name"], at: "\(path).name", index: index, seen: &seen)
        var duration: Duration?
        if entries["duration"] == nil {
            report("\(path).duration", "missing: how long the stage lasts, e.g. duration: 30s")
        } else if let value = value(entries["duration"], at: "\(path).duration", DurationSyntax.parse) {
            if value > .zero { duration = value } else { report("\(path).duration", "must be above 0s") }
        }
        var rates: (Double, Double)?
        if entries["rate"] == nil {
            report("\(path).rate", "missing: requests per second, e.g. rate: 1000, or a ramp such as rate: 100..1000")
        } else {
            rates = value(entries["rate"], at: "\(path).rate", Self.parseStageRate)
        }
        guard let duration, let rates, entries["name"] == nil || name != nil else { return (nil, name) }
        return (BenchPlan.Stage(name: name, duration: duration, rateFrom: rates.0, rateTo: rates.1), name)
    }

    /// A stage's `name`: not empty, without `:` (thresholds use `stage NAME:`), not a number or
    /// `stage N` (those name stages by position), unique.
    private mutating func stageName(_ node: Node?, at path: String, index: Int, seen: inout [String: Int]) -> String? {
        guard node != nil, let raw = string(node, at: path) else { return nil }
        let name = raw.trimmingWhitespace()
        if name.isEmpty {
            report(path, "must not be empty; leave name out for an unnamed stage (reports call it 'stage \(index + 1)')")
        } else if name.contains(":") {
            report(path, "must not hold ':' (thresholds name a stage as 'stage NAME:'), got '\(name)'")
        } else if Self.isPositionalStageName(name) {
            report(path, "'\(name)' names a stage by its position; choose a name with a letter in it, such as warmup")
        } else if let first = seen[name] {
            report(path, "duplicate stage name '\(name)' (stages[\(first)] has it already)")
        } else {
            seen[name] = index
            return name
        }
        return nil
    }

    /// `N` or `stage N`: how thresholds and reports name a stage by its position.
    static func isPositionalStageName(_ name: String) -> Bool {
        let number = name.hasPrefix("stage") ? String(name.dropFirst(5)).trimmingWhitespace() : name
        return !number.isEmpty && number.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `rate`: `N` or `A..B` requests per second, each ≥ 0, not both 0.
    static func parseStageRate(_ text: String) -> Result<(Double, Double), SyntaxProblem> {
        let parts = text.components(separatedBy: "..").map { $0.trimmingWhitespace() }
        let example = "expected requests per second such as 1000, or a ramp such as 100..1000, got '\(text)'"
        guard parts.count <= 2 else { return .failure(SyntaxProblem(example)) }
        var rates: [Double] = []
        for part in parts {
            if part.hasPrefix("-") { return .failure(SyntaxProblem("a rate must not be negative, got '\(text)'")) }
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let rate = Double(part), rate.isFinite else {
                return .failure(SyntaxProblem(example))
            }
            rates.append(rate)
        }
        guard rates.contains(where: { $0 > 0 }) else {
            return .failure(SyntaxProblem("a stage at rate 0 sends nothing: give a rate above 0, or a ramp from or to 0 such as 0..1000"))
        }
        return .success((rates[0], rates.last ?? rates[0]))
    }

    /// One `thresholds` entry; a `stage NAME:` prefix must name a stage of the plan (or its position).
    private mutating func readThreshold(_ node: Node, at path: String, stageNames: [String]) -> BenchThreshold? {
        guard let threshold = value(node, at: path, BenchThreshold.parse) else { return nil }
        guard let stage = threshold.stage, !stageNames.isEmpty else { return threshold }
        let byPosition = Int(stage).map { (1...stageNames.count).contains($0) } ?? false
        guard byPosition || stageNames.contains(stage) else {
            report(path, "no stage named '\(stage)' (the stages are \(stageNames.map { "'\($0)'" }.joined(separator: ", ")); or give a position 1–\(stageNames.count))")
            return nil
        }
        return threshold
    }

    /// `watch: { url, token_env }`.
    private mutating func readWatch(_ node: Node) -> BenchPlan.Watch? {
        guard let entries = mapping(node, at: "watch", allowed: ["url", "token_env"]) else { return nil }
        var url: String?
        if entries["url"] == nil {
            report("watch.url", "missing: the Bulwark admin API to sample, e.g. http://127.0.0.1:9090")
        } else if let text = string(entries["url"], at: "watch.url") {
            let lower = text.lowercased()
            let authority = text.drop { $0 != "/" }.dropFirst(2).prefix { !"/?#".contains($0) }
            if !(lower.hasPrefix("http://") || lower.hasPrefix("https://")) || authority.isEmpty || text.contains(where: \.isWhitespace) {
                report("watch.url", "expected the admin API's http:// or https:// URL, e.g. http://127.0.0.1:9090, got '\(text)'", about: text)
            } else {
                url = text
            }
        }
        var variable: String?
        if let name = string(entries["token_env"], at: "watch.token_env") {
            let valid = name.first.map { $0 == "_" || ($0.isASCII && $0.isLetter) } == true
                && name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
            if !valid {
                report("watch.token_env", "expected the name of an environment variable such as BULWARK_ADMIN_TOKEN")
            } else if (environment[name] ?? "").isEmpty {
                report("watch.token_env", "the environment variable \(name) is not set (it should hold the admin token)")
            } else {
                variable = name
            }
        }
        guard let url, entries["token_env"] == nil || variable != nil else { return nil }
        return BenchPlan.Watch(url: url, tokenEnvironmentVariable: variable)
    }
}
