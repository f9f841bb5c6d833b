import Foundation
import Resilience
import Yams

extension BenchPlan {
    /// Reads and validates the plan file at `path`; `body_file` paths are relative to its directory.
    /// - Throws: ``ConfigurationError`` listing every problem with its key path (a missing or unreadable
    ///   file is one problem at key path `(file)`).
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> BenchPlan {
        let text = try BulwarkConfiguration.readFile(path: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, baseDirectory: directory, environment: environment)
    }

    /// Parses and validates plan YAML; `body_file` paths are relative to `baseDirectory`, and their
    /// files are read now. `${VAR}` references are expanded from `environment`, which must also hold
    /// the variable `watch.token_env` names.
    /// - Throws: ``ConfigurationError`` listing every problem with its key path, e.g.
    ///   `stages[2].rate: …` or `thresholds[0]: unknown metric 'p95' …`.
    public static func parse(yaml: String, baseDirectory: String, environment: [String: String] = [:]) throws(ConfigurationError) -> BenchPlan {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            let problem = SecretRedaction.redactingURLs(in: BulwarkConfiguration.describe(yamlError: error))
            throw ConfigurationError(issues: [ConfigurationIssue(keyPath: "(yaml)", problem: problem)])
        }
        var reader = ConfigReader(environment: environment, overrides: [:])
        let plan = reader.readBenchPlan(root ?? Node.mapping(Node.Mapping([])), baseDirectory: baseDirectory)
        try ConfigurationValidator.check(reader.issues)
        return plan
    }
}
