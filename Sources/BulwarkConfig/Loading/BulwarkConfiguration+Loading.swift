import Foundation
import Resilience
import Yams

extension BulwarkConfiguration {
    /// Environment variables that override single keys (deployment knobs and secrets), by key path.
    public static let environmentOverrides: [(variable: String, keyPath: String)] = [
        ("BULWARK_LISTEN", "server.listen"),
        ("BULWARK_TRUSTED_PROXIES", "server.trusted_proxies"),
        ("BULWARK_DRAIN_TIMEOUT", "server.drain_timeout"),
        ("BULWARK_ACCESS_LOG", "server.access_log"),
        ("BULWARK_ADMIN_LISTEN", "admin.listen"),
        ("BULWARK_REDIS_URL", "redis.url"),
    ]

    /// Reads and validates the file at `path`.
    /// - Throws: ``ConfigurationError`` listing every problem with its key path (a missing or unreadable
    ///   file is one problem at key path `(file)`).
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> BulwarkConfiguration {
        try parse(yaml: try readFile(path: path), environment: environment)
    }

    /// The text of the configuration file at `path` (what ``load(path:environment:)`` parses).
    /// - Throws: ``ConfigurationError`` with one problem at key path `(file)` when it cannot be read.
    public static func readFile(path: String) throws(ConfigurationError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(issues: [ConfigurationIssue(keyPath: "(file)", problem: "cannot read \(path): \(Self.reason(error))")])
        }
    }

    /// Parses and validates YAML text.
    /// - Throws: ``ConfigurationError`` listing every problem with its key path.
    public static func parse(yaml: String, environment: [String: String] = [:]) throws(ConfigurationError) -> BulwarkConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: ReferenceQuoting.quoteStandaloneReferences(in: yaml))
        } catch {
            throw ConfigurationError(issues: [ConfigurationIssue(keyPath: "(yaml)", problem: SecretRedaction.redactingURLs(in: Self.describe(yamlError: error)))])
        }
        var overrides: [String: (value: String, variable: String)] = [:]
        for (variable, keyPath) in environmentOverrides {
            if let value = environment[variable], !value.isEmpty { overrides[keyPath] = (value, variable) }
        }
        var reader = ConfigReader(environment: environment, overrides: overrides)
        let configuration = reader.readConfiguration(root ?? Node.mapping(Node.Mapping([])))
        try ConfigurationValidator.check(reader.issues)
        return configuration
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }

    static func describe(yamlError error: any Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                return "invalid YAML at line \(mark.line), column \(mark.column): \(problem)"
            case .duplicatedKeysInMapping(let duplicates, _):
                return "invalid YAML: duplicate keys \(duplicates.joined(separator: ", "))"
            default:
                return "invalid YAML: \(yaml)"
            }
        }
        return "invalid YAML: \(error)"
    }
}
