import Foundation

/// A `postgres://user[:password]@host[:port]/database` URL, turned into libpq environment variables
/// (`PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, and `PGPASSWORD` only when the URL has one), so no
/// password ever appears on a command line or in a log.
public struct DatabaseURL: Sendable, Hashable {
    /// Host (or socket directory).
    public var host: String
    /// Port.
    public var port: Int
    /// User, if given.
    public var user: String?
    /// Password, if given in the URL.
    public var password: String?
    /// Database name.
    public var database: String
    /// Query parameters (`sslmode=require`…), passed as their `PG*` variables where libpq has one.
    public var parameters: [String: String]

    /// Parses `text`.
    public init(parsing text: String) throws(BackupError) {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw BackupError("database URL must look like postgres://user@host:5432/database, got '\(Self.redact(text))'")
        }
        let path = components.percentEncodedPath.drop { $0 == "/" }
        guard !path.isEmpty else { throw BackupError("database URL '\(Self.redact(text))' names no database") }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = components.port ?? 5432
        user = components.user?.removingPercentEncoding ?? components.user
        password = components.percentEncodedPassword?.removingPercentEncoding
        database = String(path).removingPercentEncoding ?? String(path)
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] { parameters[item.name] = item.value ?? "" }
        self.parameters = parameters
    }

    /// The same server, another database.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// libpq variables for this URL.
    public var environment: [String: String] {
        var environment = ["PGHOST": host, "PGPORT": String(port), "PGDATABASE": database, "PGCONNECT_TIMEOUT": "10"]
        if let user { environment["PGUSER"] = user }
        if let password { environment["PGPASSWORD"] = password }
        let known = ["sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "application_name": "PGAPPNAME", "connect_timeout": "PGCONNECT_TIMEOUT"]
        for (name, value) in parameters { if let variable = known[name] { environment[variable] = value } }
        return environment
    }

    /// `dbname='<database>'`: the database name as a libpq connection string, for a `--dbname` option.
    /// libpq reads a `--dbname` value that contains `=` (or starts with `postgres://`) as a connection
    /// string, so a bare name like `x host=elsewhere` would connect elsewhere; quoted (with `\` and `'`
    /// escaped), every name is taken literally. Host, port and user still come from ``environment``.
    public var databaseConnectionString: String {
        "dbname='" + database.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// `postgres://user@host:port/database`, without the password.
    public var redacted: String {
        "postgres://\(user.map { "\($0)@" } ?? "")\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }

    static func redact(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@"),
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}

/// A backup operation failed; the message says what failed and what to do.
public struct BackupError: Error, Sendable, CustomStringConvertible {
    /// The explanation.
    public let description: String
    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
