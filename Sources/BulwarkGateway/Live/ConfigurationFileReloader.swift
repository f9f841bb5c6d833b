import BulwarkConfig
import Foundation
import Logging
import Resilience
import Synchronization

/// Re-reads the configuration file a gateway was started from and reloads the gateway with it: the one
/// path SIGHUP (``ReloadOnHangup``) and `POST /api/config/reload` share. Reloads run one at a time.
public final class ConfigurationFileReloader: Sendable {
    /// The file it reads.
    public let path: String
    private let gateway: Gateway
    private let overrides: @Sendable (inout BulwarkConfiguration) -> Void
    private let whenApplied: @Sendable (BulwarkConfiguration) -> Void
    private let serial = Mutex<Void>(())
    private let applied = Mutex<String?>(nil)

    /// The text of the file as last put in force by a reload (nil until a reload applied one).
    public var appliedText: String? { applied.withLock { $0 } }

    /// - Parameters:
    ///   - path: the configuration file.
    ///   - overrides: applied to every loaded configuration before it is checked, e.g. the command
    ///     line's `--listen`, so a flag is not undone (nor reported as changed) by a reload.
    ///   - whenApplied: told each configuration a reload put in force, after the gateway applied it
    ///     (`bulwark run` rolls the process groups that changed).
    public init(
        gateway: Gateway, path: String, overrides: @escaping @Sendable (inout BulwarkConfiguration) -> Void = { _ in },
        whenApplied: @escaping @Sendable (BulwarkConfiguration) -> Void = { _ in }
    ) {
        self.gateway = gateway
        self.path = path
        self.overrides = overrides
        self.whenApplied = whenApplied
    }

    /// Reads and validates the whole file; applies it if it is valid, changes nothing otherwise.
    @discardableResult
    public func reload() -> ReloadOutcome {
        serial.withLock { _ in
            var configuration: BulwarkConfiguration
            let text: String
            do throws(ConfigurationError) {
                text = try BulwarkConfiguration.readFile(path: path)
                configuration = try BulwarkConfiguration.parse(yaml: text, environment: ProcessInfo.processInfo.environment)
            } catch {
                return gateway.rejected(error.issues)
            }
            overrides(&configuration)
            if configuration.routes.isEmpty {
                return gateway.rejected([ConfigurationIssue(keyPath: "routes", problem: "no routes to serve; add a routes: section (or a single upstream, which gets a catch-all route)")])
            }
            let outcome = gateway.reload(configuration)
            if outcome.status != .rejected { applied.withLock { $0 = text } }
            if outcome.status == .applied { whenApplied(configuration) }
            return outcome
        }
    }
}
