/// An upstream target: `http://HOST:PORT`. The port defaults to 80. Paths are not allowed: the gateway
/// forwards the client's path unchanged.
public struct TargetURL: Sendable, Hashable, CustomStringConvertible {
    /// The host name or IP address.
    public var host: String
    /// The TCP port.
    public var port: Int

    /// Creates a target.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `http://host:port`.
    public var description: String { "http://\(ListenAddress(host: host, port: port))" }

    /// `host:port`, as used in logs and metrics labels.
    public var authority: String { ListenAddress(host: host, port: port).description }

    /// Parses `http://HOST[:PORT][/]`.
    public static func parse(_ text: String) -> Result<TargetURL, SyntaxProblem> {
        let trimmed = text.trimmingWhitespace()
        if trimmed.hasPrefix("https://") {
            return .failure(SyntaxProblem("'\(text)': https targets are not supported; terminate TLS in front of the app or use http://"))
        }
        guard trimmed.hasPrefix("http://") else {
            return .failure(SyntaxProblem("'\(text)' is not an http:// URL, e.g. http://127.0.0.1:3000"))
        }
        var rest = Substring(trimmed.dropFirst("http://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("@") else {
            return .failure(SyntaxProblem("'\(text)' must be scheme, host and port only (no path, query or user)"))
        }
        let withPort = rest.hasPrefix("[") ? (rest.contains("]:") ? String(rest) : "\(rest):80")
            : (rest.contains(":") ? String(rest) : "\(rest):80")
        switch ListenAddress.parse(withPort) {
        case .success(let address) where !rest.isEmpty && address.port > 0:
            return .success(TargetURL(host: address.host, port: address.port))
        default:
            return .failure(SyntaxProblem("'\(text)' has no valid host and port, e.g. http://127.0.0.1:3000"))
        }
    }
}
