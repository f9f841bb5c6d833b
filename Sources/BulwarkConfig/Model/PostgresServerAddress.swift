/// One server of a `postgres:` cluster: `10.0.0.1:5432`, `db2.internal` (port 5432), `[fd00::7]:5433`.
public struct PostgresServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address (an IPv6 address without brackets).
    public var host: String
    /// The TCP port, 1–65535.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int = PostgresClusterSettings.Defaults.serverPort) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with an IPv6 host in brackets (`[fd00::7]:5432`): how the server is named in
    /// status, metrics and errors.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `HOST[:PORT]`; the port defaults to 5432. An IPv6 host goes in brackets: `[::1]:5432`, `[::1]`.
    public static func parse(_ text: String) -> Result<PostgresServerAddress, SyntaxProblem> {
        let trimmed = text.trimmingWhitespace()
        let example = "e.g. 10.0.0.1:5432"
        if trimmed.contains("://") || trimmed.contains("/") || trimmed.contains("@") || trimmed.contains(where: \.isWhitespace) {
            return .failure(SyntaxProblem("'\(text)' must be HOST:PORT only (no scheme, user or database), \(example)"))
        }
        let host: Substring
        var portText: Substring?
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else {
                return .failure(SyntaxProblem("'\(text)' is not HOST:PORT (IPv6 is written [fd00::7]:5432)"))
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            let rest = trimmed[trimmed.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return .failure(SyntaxProblem("'\(text)' is not HOST:PORT (IPv6 is written [fd00::7]:5432)")) }
                portText = rest.dropFirst()
            }
        } else if let colon = trimmed.firstIndex(of: ":") {
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
            if portText?.contains(":") == true {
                return .failure(SyntaxProblem("'\(text)': write an IPv6 address in brackets, e.g. [fd00::7]:5432"))
            }
        } else {
            host = Substring(trimmed)
        }
        if host.isEmpty || host.contains(where: { "[]".contains($0) }) {
            return .failure(SyntaxProblem("'\(text)' has no host, \(example)"))
        }
        var port = PostgresClusterSettings.Defaults.serverPort
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                return .failure(SyntaxProblem("'\(text)' has no valid port (1–65535)"))
            }
            port = value
        }
        return .success(PostgresServerAddress(host: String(host), port: port))
    }
}
