import BulwarkConfig
import Logging

extension DependencyCheck {
    /// The check the `health.checks` entry `settings` describes, with its probe built.
    /// - Throws: ``DependencyCheckSetupError`` naming the entry when its probe cannot be built (an
    ///   unknown `sslmode`, an unreadable CA file).
    public static func configured(_ settings: DependencyCheckSettings, at index: Int, logger: Logger) throws(DependencyCheckSetupError) -> DependencyCheck {
        let probe: any DependencyProbe
        do {
            switch settings.target {
            case .postgres(let url): probe = try PostgresProbe(url: url, logger: logger)
            case .http(let url, let expectStatus, let tls): probe = try HTTPProbe(url: url, expectStatus: expectStatus, tls: tls, timeout: settings.timeout)
            case .tcp(let host, let port): probe = TCPProbe(host: host, port: port)
            case .redis(let url): probe = try RedisProbe(url: url, timeout: settings.timeout, logger: logger)
            case .disk(let path, let warning, let error): probe = DiskProbe(path: path, warning: warning, error: error)
            }
        } catch {
            throw DependencyCheckSetupError(keyPath: "health.checks[\(index)].\(settings.target.kind)", reason: "\(error)")
        }
        return DependencyCheck(
            name: settings.name, kind: settings.target.kind, critical: settings.critical,
            interval: settings.interval, timeout: settings.timeout, slowAfter: settings.slow, probe: probe
        )
    }
}

/// A `health.checks` entry whose probe could not be built.
public struct DependencyCheckSetupError: Error, CustomStringConvertible {
    /// Where, e.g. `health.checks[0].postgres`.
    public var keyPath: String
    /// Why (never a password).
    public var reason: String

    /// `health.checks[0].postgres: unknown sslmode 'maybe'…`.
    public var description: String { "\(keyPath): \(reason)" }
}
