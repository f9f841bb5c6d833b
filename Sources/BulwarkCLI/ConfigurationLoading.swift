import BulwarkConfig
import Foundation
import Resilience

/// Finding and reading the configuration for a command, with errors a person can act on.
enum ConfigurationLoading {
    static let defaultPath = "bulwark.yaml"

    /// Loads `path`, or `./bulwark.yaml` when `path` is nil and that file exists; nil when neither.
    static func load(path: String?) throws -> (BulwarkConfiguration, String)? {
        let chosen = path ?? (FileManager.default.fileExists(atPath: defaultPath) ? defaultPath : nil)
        guard let chosen else { return nil }
        do {
            return (try BulwarkConfiguration.load(path: chosen), chosen)
        } catch {
            throw ConfigurationFailure(path: chosen, error: error)
        }
    }
}

/// A configuration that did not load: every problem, one per line, each with its key path.
struct ConfigurationFailure: Error, CustomStringConvertible {
    let path: String
    let error: ConfigurationError

    var description: String {
        let count = error.issues.count
        var lines = ["\(path): \(count) problem\(count == 1 ? "" : "s"):"]
        lines += error.issues.map { "  \($0.keyPath): \($0.problem)" }
        return lines.joined(separator: "\n")
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
