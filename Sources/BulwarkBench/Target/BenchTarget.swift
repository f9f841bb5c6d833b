/// Where `bulwark bench` sends load: the parts of an `http://` URL it needs, as written.
///
/// Made by ``TargetAddressCheck/check(_:allowRemote:)``, which reads the URL text without resolving
/// any name.
public struct BenchTarget: Sendable, Hashable {
    /// The host as written in the URL, without the brackets of an IPv6 literal (`127.0.0.1`,
    /// `localhost`, `::1`).
    public var host: String
    /// The TCP port (80 when the URL gives none).
    public var port: Int
    /// The path and query to request (`/` when the URL gives none).
    public var pathAndQuery: String
    /// The `Host` header: host and port as the URL wrote them, brackets kept (`[::1]:8080`).
    public var hostHeader: String

    /// Creates a target.
    public init(host: String, port: Int, pathAndQuery: String, hostHeader: String) {
        self.host = host
        self.port = port
        self.pathAndQuery = pathAndQuery
        self.hostHeader = hostHeader
    }
}

/// Why a bench target was refused.
public struct TargetRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String

        /// The URL is not `http://HOST[:PORT][/PATH]`.
        public static let malformed = Code(name: "malformed")
        /// The scheme is not `http` (`https` is not supported yet).
        public static let unsupportedScheme = Code(name: "unsupported_scheme")
        /// The URL carries user information (`user@`).
        public static let userInfo = Code(name: "user_info")
        /// The host is a numeric form other than a plain dotted quad (`127.1`, `0x7f.0.0.1`, `2130706433`).
        public static let ambiguousAddress = Code(name: "ambiguous_address")
        /// The host is not a loopback literal and `--allow-remote` was not given.
        public static let notLoopback = Code(name: "not_loopback")

        /// The code's name, e.g. `not_loopback`.
        public var description: String { name }
    }

    /// The kind of refusal.
    public var code: Code
    /// What is wrong and what to do, for the person who typed the URL.
    public var description: String

    /// Creates a refusal.
    public init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
