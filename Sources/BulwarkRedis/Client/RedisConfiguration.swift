import Resilience

/// Settings for ``RedisClient``.
///
/// | property | default |
/// | --- | --- |
/// | ``host`` / ``port`` / ``database`` | `127.0.0.1` / 6379 / 0 |
/// | ``username`` / ``password`` | none |
/// | ``clientName`` | `bulwark` |
/// | ``minimumConnections`` / ``maximumConnections`` | 1 / 2 |
/// | ``connectTimeout`` | 1 s |
/// | ``commandTimeout`` | 1 s |
/// | ``borrowTimeout`` | 1 s |
/// | ``reconnectBackoff`` | exponential 50 ms × 2, max 5 s, full jitter |
/// | ``preferRESP3`` | `true` (`HELLO 3`, falling back to RESP2 on servers without it) |
public struct RedisConfiguration: Sendable, Hashable {
    /// The server's host name or address.
    public var host: String
    /// The server's port.
    public var port: Int
    /// The database `SELECT`ed on every connection.
    public var database: Int
    /// The ACL user; `nil` authenticates as `default` (password only).
    public var username: String?
    /// Never logged.
    public var password: String?
    /// Sent as `CLIENT SETNAME` (visible in `CLIENT LIST`).
    public var clientName: String?
    /// Connections kept open (re-established in the background when lost).
    public var minimumConnections: Int
    /// Connections opened at most; commands are pipelined over them. Default 2: with automatic pipelining,
    /// 2 connections served 50 concurrent GCRA callers best on the 2-core development machine
    /// (68.7k decisions/s and 11.3 µs of client CPU each, against 61.7k/12.1 µs with 4 and 54.8k/14.9 µs
    /// with 8; `Benchmarks/redis.sh`).
    public var maximumConnections: Int
    /// Limit on establishing one connection, handshake included.
    public var connectTimeout: Duration
    /// Limit on one command's reply.
    public var commandTimeout: Duration
    /// How long a command waits for a connection when none is up.
    public var borrowTimeout: Duration
    /// Delay between reconnection attempts.
    public var reconnectBackoff: Backoff
    /// Ask for RESP3 with `HELLO 3`.
    public var preferRESP3: Bool

    /// Creates a configuration; see the table above for defaults.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        database: Int = 0,
        username: String? = nil,
        password: String? = nil,
        clientName: String? = "bulwark",
        minimumConnections: Int = 1,
        maximumConnections: Int = 2,
        connectTimeout: Duration = .seconds(1),
        commandTimeout: Duration = .seconds(1),
        borrowTimeout: Duration = .seconds(1),
        reconnectBackoff: Backoff = .exponential(base: .milliseconds(50), multiplier: 2, maximum: .seconds(5)).jittered(.full),
        preferRESP3: Bool = true
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
        self.clientName = clientName
        self.minimumConnections = minimumConnections
        self.maximumConnections = maximumConnections
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.borrowTimeout = borrowTimeout
        self.reconnectBackoff = reconnectBackoff
        self.preferRESP3 = preferRESP3
    }

    /// A configuration from `redis://[user:password@]host:port/db` (user, password, port and db optional;
    /// percent-escapes in user and password are decoded).
    /// - Throws: ``RedisError/invalidURL(_:)`` saying what is wrong.
    public init(url: String) throws(RedisError) {
        self.init()
        guard url.hasPrefix("redis://") else { throw .invalidURL("'\(Self.redacted(url))' does not start with redis://") }
        var rest = Substring(url.dropFirst("redis://".count))
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = String(credentials[..<colon])
                username = user.isEmpty ? nil : try Self.percentDecoded(user)
                password = try Self.percentDecoded(String(credentials[credentials.index(after: colon)...]))
            } else if !credentials.isEmpty {
                password = try Self.percentDecoded(String(credentials))   // redis://secret@host, as redis-cli reads it
            }
        }
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            let path = rest[rest.index(after: slash)...].prefix { $0 != "?" }
            if !path.isEmpty {
                guard let db = Int(path), db >= 0 else { throw .invalidURL("database '\(path)' is not a number ≥ 0") }
                database = db
            }
        }
        if authority.hasPrefix("[") {   // [::1]:6379
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL("unclosed IPv6 address") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            authority = authority[authority.index(after: close)...]
            if authority.hasPrefix(":") { try setPort(authority.dropFirst()) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            try setPort(authority[authority.index(after: colon)...])
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw .invalidURL("no host") }
    }

    private mutating func setPort(_ text: Substring) throws(RedisError) {
        guard let value = Int(text), (1...65_535).contains(value) else { throw .invalidURL("port '\(text)' is not in 1…65535") }
        port = value
    }

    private static func percentDecoded(_ text: String) throws(RedisError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else {
                throw .invalidURL("a bad percent-escape in the credentials")
            }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The URL with any password replaced by `***`, for messages.
    static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@") else { return url }
        let beforeAt = url[..<at]
        var credentialsStart = beforeAt.startIndex
        if let colon = beforeAt.firstIndex(of: ":"), beforeAt[colon...].hasPrefix("://") {
            credentialsStart = beforeAt.index(colon, offsetBy: 3)
        }
        return String(url[..<credentialsStart]) + "***" + String(url[at...])
    }

    /// Every problem with this configuration, with key paths below `prefix`.
    public func validationIssues(prefix: String = "redis") -> [ConfigurationIssue] {
        var check = ConfigurationValidator(prefix: prefix)
        check.require(minimumConnections >= 0, "minimumConnections", "must be ≥ 0, got \(minimumConnections)")
        check.require(maximumConnections >= max(1, minimumConnections), "maximumConnections", "must be ≥ 1 and ≥ minimumConnections, got \(maximumConnections)")
        check.require(commandTimeout > .zero, "commandTimeout", "must be positive")
        check.require(connectTimeout > .zero, "connectTimeout", "must be positive")
        check.require(borrowTimeout >= .zero, "borrowTimeout", "must not be negative")
        return check.issues
    }
}
