import Logging
import NIOCore
import NIOPosix
import Resilience
import Synchronization

/// A Redis client on SwiftNIO: a small pool of connections over which concurrent commands are pipelined
/// (every command issued during one event-loop tick leaves in one write), with per-command timeouts, reconnection with backoff, scripting and pub/sub.
///
/// ```swift
/// let redis = try RedisClient(configuration: RedisConfiguration(url: "redis://127.0.0.1:6379/0"))
/// try await redis.send("SET", "greeting", "hello")
/// let value = try await redis.send("GET", "greeting").string   // "hello"
/// await redis.shutdown()
/// ```
///
/// Commands go to the live connection with the fewest commands in flight; more connections are opened
/// (up to ``RedisConfiguration/maximumConnections``) as load grows. A lost connection is re-established in
/// the background after a backoff; commands meanwhile wait up to ``RedisConfiguration/borrowTimeout``.
public final class RedisClient: Sendable {
    /// The settings this client runs with.
    public let configuration: RedisConfiguration
    let group: any EventLoopGroup
    let logger: Logger
    let pool: Mutex<Pool>
    let scripts = Mutex<[String: String]>([:])
    let instrumentation: (any RedisClientInstrumentation)?

    /// Creates a client and starts opening ``RedisConfiguration/minimumConnections`` in the background.
    /// `instrumentation` is told about every write its connections make (tests and benchmarks).
    /// - Throws: ``ConfigurationError`` naming every invalid setting.
    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "bulwark.redis"),
        instrumentation: (any RedisClientInstrumentation)? = nil
    ) throws(ConfigurationError) {
        try ConfigurationValidator.check(configuration.validationIssues())
        self.configuration = configuration
        self.group = eventLoopGroup
        self.logger = logger
        self.instrumentation = instrumentation
        self.pool = Mutex(Pool(slotCount: configuration.maximumConnections))
        for index in 0..<configuration.minimumConnections { startConnecting(slot: index, after: .zero) }
    }

    /// Creates a client for `redis://[user:password@]host:port/db` with default settings otherwise.
    /// - Throws: ``RedisError/invalidURL(_:)`` for a URL that cannot be understood.
    public convenience init(url: String, logger: Logger = Logger(label: "bulwark.redis")) throws {
        try self.init(configuration: RedisConfiguration(url: url), logger: logger)
    }

    /// Sends a command and returns its reply.
    /// - Throws: ``RedisError/server(_:)`` for an error reply, ``RedisError/timeout(_:)``,
    ///   ``RedisError/unavailable(_:)`` when no connection can be had in time, ``RedisError/connectionClosed(_:)``.
    @discardableResult
    public func send(_ arguments: [RedisArgument]) async throws -> RESPValue {
        let reply = try await sendRaw(arguments)
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// Sends a command and returns its reply; see ``send(_:)-(RedisArgument)``.
    @discardableResult
    public func send(_ arguments: RedisArgument...) async throws -> RESPValue {
        try await send(arguments)
    }

    /// Sends a command and returns its reply, error replies included as ``RESPValue/error(_:)``.
    /// - Parameter timeout: a limit on this command, waiting for a connection included; defaults to the
    ///   configuration's borrow and command timeouts.
    public func sendRaw(_ arguments: [RedisArgument], timeout: Duration? = nil) async throws -> RESPValue {
        let (slot, connection) = try await borrow(within: timeout)
        defer { pool.withLock { $0.slots[slot].inFlight -= 1 } }
        do {
            return try await connection.send(arguments, timeout: timeout.map(TimeAmount.init))
        } catch let error as RedisError {
            if case .connectionClosed = error { connectionLost(slot: slot, connection: connection, reason: error.description) }
            if case .protocolError = error { connectionLost(slot: slot, connection: connection, reason: error.description) }
            throw error
        }
    }

    /// Live connections and commands in flight, for health checks and tests.
    public var status: (liveConnections: Int, inFlight: Int) {
        pool.withLock { pool in
            (pool.slots.filter { $0.connection?.isActive == true }.count, pool.slots.reduce(0) { $0 + $1.inFlight })
        }
    }

    /// Closes every connection; later commands throw ``RedisError/shutDown``.
    public func shutdown() async {
        let (connections, waiters) = pool.withLock { pool in
            pool.isShutDown = true
            let connections = pool.slots.compactMap(\.connection)
            for index in pool.slots.indices { pool.slots[index].connection = nil }
            let waiters = Array(pool.waiters.values)
            pool.waiters.removeAll()
            return (connections, waiters)
        }
        for waiter in waiters { waiter.resume() }
        for connection in connections { await connection.close() }
    }
}
