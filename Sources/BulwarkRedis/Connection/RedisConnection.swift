import Logging
import NIOCore
import NIOPosix

/// One connection to a Redis server, with any number of commands in flight (pipelining). Replies come
/// back in order; see ``RedisCommandHandler``.
final class RedisConnection: Sendable {
    let channel: any Channel
    private let commandTimeout: TimeAmount

    private init(channel: any Channel, commandTimeout: TimeAmount) {
        self.channel = channel
        self.commandTimeout = commandTimeout
    }

    /// Connects, negotiates the protocol, authenticates, names the client and selects the database.
    static func connect(
        configuration: RedisConfiguration,
        group: any EventLoopGroup,
        subscriber: Bool = false,
        instrumentation: (any RedisClientInstrumentation)? = nil,
        onPush: (@Sendable (RESPValue) -> Void)? = nil
    ) async throws -> RedisConnection {
        let connectTimeout = TimeAmount(configuration.connectTimeout)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = RedisCommandHandler(instrumentation: instrumentation)
                        handler.onPush = onPush
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                }
                .connect(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            throw RedisError.connectionClosed("cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        let connection = RedisConnection(channel: channel, commandTimeout: TimeAmount(configuration.commandTimeout))
        let handshakeTimeout = TimeAmount(configuration.connectTimeout)
        do {
            var resp3 = false
            if configuration.preferRESP3 {
                var hello: [RedisArgument] = ["HELLO", "3"]
                if let password = configuration.password {
                    hello += ["AUTH", RedisArgument(configuration.username ?? "default"), RedisArgument(password)]
                }
                if let name = configuration.clientName { hello += ["SETNAME", RedisArgument(name)] }
                switch try await connection.send(hello, timeout: handshakeTimeout) {
                case .error(let message) where message.hasPrefix("NOPROTO") || message.lowercased().contains("unknown command"):
                    resp3 = false
                case .error(let message):
                    throw RedisError.server(message)
                default:
                    resp3 = true
                }
            }
            if !resp3 {
                if let password = configuration.password {
                    let auth: [RedisArgument] = configuration.username.map { ["AUTH", RedisArgument($0), RedisArgument(password)] }
                        ?? ["AUTH", RedisArgument(password)]
                    try await connection.sendChecked(auth, timeout: handshakeTimeout)
                }
                if let name = configuration.clientName {
                    try await connection.sendChecked(["CLIENT", "SETNAME", RedisArgument(name)], timeout: handshakeTimeout)
                }
            }
            if configuration.database != 0 {
                try await connection.sendChecked(["SELECT", RedisArgument(configuration.database)], timeout: handshakeTimeout)
            }
            if subscriber {
                try await channel.pipeline.handler(type: RedisCommandHandler.self).map { $0.subscriberMode = true }.get()
            }
            return connection
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Sends a command and returns its reply (error replies included, as ``RESPValue/error(_:)``).
    func send(_ arguments: [RedisArgument], timeout: TimeAmount? = nil) async throws -> RESPValue {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let request = RedisRequest(arguments: arguments, promise: promise, deadline: .now() + (timeout ?? commandTimeout))
        channel.writeAndFlush(request, promise: nil)
        return try await promise.futureResult.get()
    }

    /// Sends a command whose reply needs no answer (subscriptions, whose confirmations arrive as pushes).
    func sendWithoutReply(_ arguments: [RedisArgument]) async throws {
        try await channel.writeAndFlush(RedisRequest(arguments: arguments, promise: nil, deadline: nil)).get()
    }

    /// Sends a command and throws its error reply.
    @discardableResult
    func sendChecked(_ arguments: [RedisArgument], timeout: TimeAmount? = nil) async throws -> RESPValue {
        let reply = try await send(arguments, timeout: timeout)
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    var isActive: Bool { channel.isActive }

    func close() async {
        try? await channel.close()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
