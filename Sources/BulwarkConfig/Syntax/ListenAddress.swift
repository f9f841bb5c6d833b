/// A `HOST:PORT` to listen on: `0.0.0.0:8080`, `127.0.0.1:9090`, `[::1]:8080`, or `:8080` (all IPv4
/// interfaces). Port 0 asks the system for a free port.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address.
    public var host: String
    /// The TCP port.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, with IPv6 addresses in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The host as written in a URL or `Host` field: IPv6 addresses in brackets.
    public var hostPart: String { host.contains(":") ? "[\(host)]" : host }

    /// Whether the address only accepts connections from this machine.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Parses `HOST:PORT`.
    public static func parse(_ text: String) -> Result<ListenAddress, SyntaxProblem> {
        let trimmed = text.trimmingWhitespace()
        let host: Substring
        let portText: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"), trimmed[trimmed.index(after: close)...].hasPrefix(":") else {
                return .failure(SyntaxProblem("'\(text)' is not HOST:PORT (IPv6 is written [::1]:8080)"))
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portText = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else {
                return .failure(SyntaxProblem("'\(text)' is not HOST:PORT, e.g. 0.0.0.0:8080"))
            }
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            return .failure(SyntaxProblem("'\(text)' has no valid port (0–65535)"))
        }
        return .success(ListenAddress(host: host.isEmpty ? "0.0.0.0" : String(host), port: port))
    }
}
