import Foundation
import Resilience
import Yams

/// Walks a parsed YAML tree, converting values and collecting every problem with its key path, so one
/// run of `bulwark check` reports all mistakes at once. Unknown keys are problems too.
///
/// No problem carries a secret: every message passes through ``SecretRedaction`` (URLs lose their
/// password, query and fragment), and a value read at a secret-ish key (`password`, `token`, `secret`,
/// `key`) is shown as `***`. Sites that quote a value use ``shown(_:at:)`` or ``report(_:_:about:)``.
struct ConfigReader {
    /// Problems found so far.
    private(set) var issues: [ConfigurationIssue] = []
    /// The environment `${VAR}` references are expanded from.
    let environment: [String: String]
    /// Values that replace the file's, by key path (environment overrides such as `BULWARK_REDIS_URL`),
    /// with the variable they came from.
    let overrides: [String: (value: String, variable: String)]

    init(environment: [String: String], overrides: [String: (value: String, variable: String)]) {
        self.environment = environment
        self.overrides = overrides
    }

    /// Records a problem at `path`; any URL in `problem` is redacted.
    mutating func report(_ path: String, _ problem: String) {
        issues.append(ConfigurationIssue(keyPath: path, problem: SecretRedaction.redactingURLs(in: problem)))
    }

    /// Records a problem about `value`, read at `path`, which `problem` may quote (a parser's message):
    /// the value is replaced by its redacted form first, so secrets a URL scan could miss (a password
    /// holding a space, the value of a secret key) never appear.
    mutating func report(_ path: String, _ problem: String, about value: String) {
        let shown = Self.shown(value, at: path)
        guard !value.isEmpty, shown != value else { return report(path, problem) }
        let quoted = "'\(value)'"
        let message = problem.contains(quoted)
            ? problem.replacingOccurrences(of: quoted, with: "'\(shown)'")
            : problem.replacingOccurrences(of: value, with: shown)
        report(path, message)
    }

    /// `value` as a message about the key at `path` may show it (see ``SecretRedaction/shown(_:at:)``).
    static func shown(_ value: String, at path: String) -> String { SecretRedaction.shown(value, at: path) }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The entries of a mapping, reporting keys outside `allowed` (with a suggestion when one is close).
    mutating func mapping(_ node: Node, at path: String, allowed: [String]) -> [String: Node]? {
        guard case .mapping(let mapping) = node else {
            report(path.isEmpty ? "(top level)" : path, "expected a mapping of keys to values, got \(Self.kind(of: node, at: path))")
            return nil
        }
        var entries: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                report(path, "keys must be plain strings")
                continue
            }
            let keyPath = Self.join(path, key)
            if !allowed.contains(key) {
                let hint = Self.closest(to: key, among: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                report(keyPath, "unknown key\(hint)")
                continue
            }
            entries[key] = value
        }
        return entries
    }

    /// A mapping whose keys are names chosen by the user (`upstreams:`, `rate_limits:`), in file order.
    mutating func namedEntries(_ node: Node, at path: String) -> [(String, Node)] {
        guard case .mapping(let mapping) = node else {
            report(path, "expected a mapping of names to settings, got \(Self.kind(of: node, at: path))")
            return []
        }
        return mapping.compactMap { keyNode, value in
            guard let key = keyNode.scalar?.string, !key.isEmpty else {
                report(path, "names must be non-empty strings")
                return nil
            }
            return (key, value)
        }
    }

    mutating func sequence(_ node: Node, at path: String) -> [Node]? {
        guard case .sequence(let items) = node else {
            report(path, "expected a list, got \(Self.kind(of: node, at: path))")
            return nil
        }
        return Array(items)
    }

    /// A scalar string with `${VAR}` expanded; an environment override for `path` wins over the file.
    mutating func string(_ node: Node?, at path: String) -> String? {
        if let override = overrides[path] { return override.value }
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else {
            report(path, "expected a single value, got \(Self.kind(of: node, at: path))")
            return nil
        }
        switch EnvironmentSubstitution.expand(scalar.string, environment: environment) {
        case .success(let value): return value
        case .failure(let problem):
            report(path, problem.description, about: scalar.string)
            return nil
        }
    }

    /// Converts the string at `path` with `parse`, reporting its problem.
    mutating func value<T>(_ node: Node?, at path: String, _ parse: (String) -> Result<T, SyntaxProblem>) -> T? {
        guard let text = string(node, at: path) else { return nil }
        switch parse(text) {
        case .success(let value): return value
        case .failure(let problem):
            report(path, problem.description + source(of: path), about: text)
            return nil
        }
    }

    mutating func duration(_ node: Node?, at path: String, minimum: Duration = .zero) -> Duration? {
        guard let value = value(node, at: path, DurationSyntax.parse) else { return nil }
        guard value >= minimum else {
            report(path, "must be at least \(DurationSyntax.format(minimum)), got \(DurationSyntax.format(value))")
            return nil
        }
        return value
    }

    mutating func int(_ node: Node?, at path: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, at: path) else { return nil }
        guard let value = Int(text) else {
            report(path, "expected a whole number, got '\(Self.shown(text, at: path))'\(source(of: path))")
            return nil
        }
        guard range.contains(value) else {
            let bound = range.upperBound == .max ? "≥ \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
            report(path, "must be \(bound), got \(Self.shown(String(value), at: path))")
            return nil
        }
        return value
    }

    mutating func double(_ node: Node?, at path: String, in range: ClosedRange<Double>) -> Double? {
        guard var text = string(node, at: path) else { return nil }
        if text.hasSuffix("%") { text.removeLast() }
        guard let value = Double(text), range.contains(value) else {
            report(path, "must be a number between \(range.lowerBound) and \(range.upperBound), got '\(Self.shown(text, at: path))'")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node?, at path: String) -> Bool? {
        guard let text = string(node, at: path) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report(path, "expected true or false, got '\(Self.shown(text, at: path))'")
            return nil
        }
    }

    mutating func stringList(_ node: Node?, at path: String) -> [String]? {
        if let override = overrides[path] {
            return override.value.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        }
        guard let node else { return nil }
        if case .scalar = node, let single = string(node, at: path) { return [single] }
        guard let items = sequence(node, at: path) else { return nil }
        return items.enumerated().compactMap { index, item in string(item, at: "\(path)[\(index)]") }
    }

    /// ` (from BULWARK_X)` when the value at `path` came from an environment override.
    func source(of path: String) -> String {
        overrides[path].map { " (from \($0.variable))" } ?? ""
    }

    /// What `node` is, for a message about the key at `path` (a scalar is quoted, redacted).
    static func kind(of node: Node, at path: String) -> String {
        switch node {
        case .scalar(let scalar): "'\(shown(scalar.string, at: path))'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The allowed key within edit distance 2 of `key`, if any.
    static func closest(to key: String, among allowed: [String]) -> String? {
        let scored = allowed.map { ($0, editDistance(Array(key), Array($0))) }.filter { $0.1 <= 2 }
        return scored.min { $0.1 < $1.1 }?.0
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
