/// An upstream target: `http://HOST[:PORT]` or `https://HOST[:PORT]`. The port defaults to 80 or 443.
/// Paths are not allowed: the gateway forwards the client's path unchanged.
public struct TargetURL: Sendable, Hashable, CustomStringConvertible {
    /// How the gateway talks to the target.
    public enum Scheme: String, Sendable, Hashable {
        /// Plain HTTP/1.1.
        case http
        /// HTTP/1.1 over TLS.
        case https

        /// 80 or 443.
        public var defaultPort: Int { self == .https ? 443 : 80 }
    }

    /// The host name or IP address.
    public var host: String
    /// The TCP port.
    public var port: Int
    /// `http` or `https`.
    public var scheme: Scheme

    /// Creates a target.
    public init(host: String, port: Int, scheme: Scheme = .http) {
        self.host = host
        self.port = port
        self.scheme = scheme
    }

    /// `scheme://host:port`.
    public var description: String { "\(scheme.rawValue)://\(ListenAddress(host: host, port: port))" }

    /// `host:port`, as used in logs and metrics labels.
    public var authority: String { ListenAddress(host: host, port: port).description }

    /// `host` with the port only when it is not the scheme's default: the `Host` a client would send.
    public var hostHeaderValue: String {
        port == scheme.defaultPort ? ListenAddress(host: host, port: port).hostPart : authority
    }

    /// Parses `http://HOST[:PORT][/]` or `https://HOST[:PORT][/]`.
    public static func parse(_ text: String) -> Result<TargetURL, SyntaxProblem> {
        let trimmed = text.trimmingWhitespace()
        let scheme: Scheme
        if trimmed.lowercased().hasPrefix("https://") {
            scheme = .https
        } else if trimmed.lowercased().hasPrefix("http://") {
            scheme = .http
        } else {
            return .failure(SyntaxProblem("'\(text)' is not an http:// or https:// URL, e.g. http://127.0.0.1:3000"))
        }
        var rest = Substring(trimmed.dropFirst(scheme.rawValue.count + 3))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("@") else {
            return .failure(SyntaxProblem("'\(text)' must be scheme, host and port only (no path, query or user)"))
        }
        let port = scheme.defaultPort
        let withPort = rest.hasPrefix("[") ? (rest.contains("]:") ? String(rest) : "\(rest):\(port)")
            : (rest.contains(":") ? String(rest) : "\(rest):\(port)")
        switch ListenAddress.parse(withPort) {
        case .success(let address) where !rest.isEmpty && address.port > 0:
            return .success(TargetURL(host: address.host, port: address.port, scheme: scheme))
        default:
            return .failure(SyntaxProblem("'\(text)' has no valid host and port, e.g. \(scheme.rawValue)://127.0.0.1:3000"))
        }
    }
}
