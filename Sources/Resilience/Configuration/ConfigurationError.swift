/// One problem found while validating a configuration, with the key path it was found at.
public struct ConfigurationIssue: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is, e.g. `retry.maxAttempts` or `routes[2].retry.attempts`.
    public var keyPath: String
    /// What is wrong and what is expected, e.g. `must be ≥ 1, got 0`.
    public var problem: String

    /// Creates an issue for `keyPath`.
    public init(keyPath: String, problem: String) {
        self.keyPath = keyPath
        self.problem = problem
    }

    public var description: String { "\(keyPath): \(problem)" }
}

/// Thrown when a configuration is invalid. Lists every problem at once, each with its key path.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// All problems found, in the order the keys were checked.
    public var issues: [ConfigurationIssue]

    /// Creates an error from the problems found.
    public init(issues: [ConfigurationIssue]) {
        self.issues = issues
    }

    public var description: String {
        "invalid configuration:\n" + issues.map { "  \($0)" }.joined(separator: "\n")
    }
}

/// Collects configuration problems so that validation reports all of them in one pass.
///
/// ```swift
/// var check = ConfigurationValidator(prefix: "retry")
/// check.require(maxAttempts >= 1, "maxAttempts", "must be ≥ 1, got \(maxAttempts)")
/// try check.finish()
/// ```
public struct ConfigurationValidator: Sendable {
    /// The key path prefix prepended to every key, e.g. `routes[2].retry`.
    public let prefix: String
    /// The problems found so far.
    public private(set) var issues: [ConfigurationIssue] = []

    /// Starts validating the keys below `prefix` (empty for the root).
    public init(prefix: String) {
        self.prefix = prefix
    }

    /// The full key path of `key` below the prefix.
    public func path(_ key: String) -> String {
        prefix.isEmpty ? key : "\(prefix).\(key)"
    }

    /// Records `problem` at `key` unless `condition` holds.
    public mutating func require(_ condition: Bool, _ key: String, _ problem: @autoclosure () -> String) {
        if !condition { issues.append(ConfigurationIssue(keyPath: path(key), problem: problem())) }
    }

    /// Adds problems found by a nested validation.
    public mutating func merge(_ other: [ConfigurationIssue]) {
        issues.append(contentsOf: other)
    }

    /// Throws a ``ConfigurationError`` listing every problem, if there is any.
    public func finish() throws(ConfigurationError) {
        if !issues.isEmpty { throw ConfigurationError(issues: issues) }
    }
}

extension ConfigurationValidator {
    /// Throws a ``ConfigurationError`` when `issues` is not empty.
    public static func check(_ issues: [ConfigurationIssue]) throws(ConfigurationError) {
        if !issues.isEmpty { throw ConfigurationError(issues: issues) }
    }
}
