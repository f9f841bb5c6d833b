import Foundation
import PostgresNIO

/// The audit sink's `database_url`, parsed: `postgres://[user[:password]@]host[:port][/database]`
/// (or `postgresql://`). User and password are percent-decoded; defaults are port 5432, user
/// `postgres`, database = the user. The only parameter read is `sslmode`, which must be `disable`
/// (TLS to the audit database is not supported yet; keep it on loopback or a private network).
///
/// ``description`` and every error show the URL with its password masked.
public struct AuditDatabaseURL: Sendable, CustomStringConvertible {
    /// The server's host name or address.
    public let host: String
    /// The server's port.
    public let port: Int
    /// The role connected as.
    public let username: String
    /// The database connected to.
    public let database: String
    let password: String?

    /// Parses `url`.
    /// - Throws: ``AuditDatabaseURLError`` saying what is wrong, the password masked.
    public init(_ url: String) throws(AuditDatabaseURLError) {
        let masked = Self.mask(url)
        func invalid(_ reason: String) -> AuditDatabaseURLError { AuditDatabaseURLError(url: masked, reason: reason) }
        guard let components = URLComponents(string: url) else { throw invalid("not a URL (percent-encode '@', ':' and '/' in the password)") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("must start with postgres:// or postgresql://")
        }
        guard var host = components.host, !host.isEmpty else { throw invalid("no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw invalid("port \(port) is not in 1…65535") }
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", "disable"): continue
            case ("sslmode", let mode): throw invalid("sslmode '\(mode)' is not supported for the audit database; use sslmode=disable")
            default: throw invalid("unknown parameter '\(item.name)'; known: sslmode")
            }
        }
        let username = components.user.flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.host = host
        self.port = port
        self.username = username
        self.database = path.isEmpty ? username : path
        self.password = components.password
        self.secrets = [components.password, components.percentEncodedPassword].compactMap { $0 }.filter { !$0.isEmpty }
    }

    private let secrets: [String]

    /// `postgres://user@host:port/database`, without the password.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    /// `text` with every appearance of the password replaced by `***` (for error messages that might
    /// quote the URL or a server's message).
    public func redacting(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    /// The connection settings PostgresNIO takes.
    func connectionConfiguration(connectTimeout: Duration) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable
        )
        configuration.options.connectTimeout = TimeAmount.nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000
            + connectTimeout.components.attoseconds / 1_000_000_000)
        configuration.options.additionalStartupParameters = [("application_name", "bulwark-audit")]
        return configuration
    }

    /// `url` with the password part of its user info replaced by `***`.
    static func mask(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].lastIndex(of: "@") else { return url }
        let userInfo = url[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }
}

/// A `database_url` that cannot be used: the URL (password masked) and why.
public struct AuditDatabaseURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL with its password masked.
    public var url: String
    /// What is wrong.
    public var reason: String

    public var description: String { "audit.database_url \(url): \(reason)" }
}
