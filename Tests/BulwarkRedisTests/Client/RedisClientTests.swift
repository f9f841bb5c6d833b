import BulwarkTestSupport
import NIOCore
import NIOPosix
import Testing

@testable import BulwarkRedis

@Suite(.enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct RedisClientTests {
    static func client(_ server: RedisServer, _ change: (inout RedisConfiguration) -> Void = { _ in }) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: server.url)
        change(&configuration)
        return try RedisClient(configuration: configuration)
    }

    @Test func roundTripsEveryCommandFamilyUsed() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let redis = try Self.client(server)
        defer { Task { await redis.shutdown() } }

        #expect(try await redis.send("SET", "greeting", "hello").string == "OK")
        #expect(try await redis.send("GET", "greeting").string == "hello")
        #expect(try await redis.send("GET", "missing").isNull)
        #expect(try await redis.send("INCRBY", "counter", 5).int == 5)
        #expect(try await redis.send("PEXPIRE", "counter", 60_000).int == 1)
        #expect(try await redis.send("PTTL", "counter").int.map { $0 > 0 && $0 <= 60_000 } == true)
        #expect(try await redis.send("HSET", "h", "a", "1", "b", "2").int == 2)
        #expect(try await redis.send("HMGET", "h", "a", "zz").array == [.bulkString(ByteBuffer(string: "1")), .null])
        let all = try await redis.send("HGETALL", "h")
        if case .map(let pairs) = all {   // RESP3 was negotiated
            #expect(Set(pairs.map { "\($0.key.string!)=\($0.value.string!)" }) == ["a=1", "b=2"])
        } else {
            Issue.record("expected a RESP3 map, got \(all)")
        }
        #expect(try await redis.send("DEL", "greeting", "h").int == 2)
        let binary = ByteBuffer(bytes: [0, 13, 10, 255])
        try await redis.send("SET", "bytes", RedisArgument(binary))
        #expect(try await redis.send("GET", "bytes") == .bulkString(binary))
        await #expect(throws: RedisError.server("WRONGTYPE Operation against a key holding the wrong kind of value")) {
            try await redis.send("HGET", "bytes", "x")
        }
    }

    @Test func authenticatesAndSelectsTheDatabase() async throws {
        let server = try await RedisServer.start(["--requirepass", "s3cret"])
        defer { server.stop() }
        let anonymous = try Self.client(server) { $0.borrowTimeout = .milliseconds(300); $0.minimumConnections = 0 }
        await #expect(throws: RedisError.self) { try await anonymous.send("PING") }
        await anonymous.shutdown()

        let redis = try RedisClient(url: "redis://default:s3cret@127.0.0.1:\(server.port)/2")
        let other = try RedisClient(configuration: RedisConfiguration(url: "redis://:s3cret@127.0.0.1:\(server.port)/0"))
        try await redis.send("SET", "where", "db2")
        #expect(try await other.send("GET", "where").isNull, "db 0 does not see db 2's key")
        #expect(try await other.send("SELECT", 2).string == "OK")
        let clients = try await redis.send("CLIENT", "LIST").string ?? ""
        #expect(clients.contains("name=bulwark"))
        await redis.shutdown()
        await other.shutdown()
    }

    @Test func authenticatesAsAnACLUser() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let admin = try RedisClient(url: server.url)
        try await admin.send("ACL", "SETUSER", "alice", "on", ">wonderland", "~app:*", "+@all")
        let alice = try RedisClient(url: "redis://alice:wonderland@127.0.0.1:\(server.port)/0")
        #expect(try await alice.send("ACL", "WHOAMI").string == "alice")
        try await alice.send("SET", "app:x", "1")
        await #expect(throws: RedisError.self) { try await alice.send("SET", "other:x", "1") }   // outside alice's keys
        let wrong = try RedisClient(configuration: RedisConfiguration(url: "redis://alice:nope@127.0.0.1:\(server.port)/0"))
        await #expect {
            try await wrong.send("PING")
        } throws: { "\($0)".contains("WRONGPASS") || "\($0)".contains("invalid username-password") }
        for client in [admin, alice, wrong] { await client.shutdown() }
    }

    @Test func pipelinesConcurrentCommandsOnOneConnection() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let redis = try Self.client(server) { $0.minimumConnections = 1; $0.maximumConnections = 1 }
        let replies = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<2_000 { group.addTask { try await redis.send("INCR", "n").int! } }
            return try await group.reduce(into: [Int64]()) { $0.append($1) }
        }
        #expect(Set(replies) == Set(1...2_000), "every command got its own reply, in order")
        #expect(redis.status.liveConnections == 1)
        await redis.shutdown()
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let redis = try Self.client(server) { $0.borrowTimeout = .seconds(2) }
        try await redis.send("SET", "k", "v")
        server.kill()
        await #expect(throws: RedisError.self) { try await redis.send("GET", "k") }
        try await server.launch()
        let reply = try await eventually { try await redis.send("PING") }
        #expect(reply.string == "PONG")
        await redis.shutdown()
    }

    @Test func reloadsAScriptAfterScriptFlush() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let redis = try Self.client(server)
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await redis.evaluate(script, keys: ["s"], arguments: [2]).int == 2)
        try await redis.send("SCRIPT", "FLUSH")
        #expect(try await redis.evaluate(script, keys: ["s"], arguments: [3]).int == 5, "NOSCRIPT was answered by loading it again")
        await #expect(throws: RedisError.self) { try await redis.evaluate(RedisScript("return redis.call('NOPE')")) }
        await redis.shutdown()
    }

    @Test func aSlowReplyTimesOutAndTheConnectionStaysUsable() async throws {
        let server = try await RedisServer.start(["--enable-debug-command", "local"])
        defer { server.stop() }
        let redis = try Self.client(server) { $0.commandTimeout = .milliseconds(50) }
        await #expect(throws: RedisError.timeout("DEBUG")) { try await redis.send("DEBUG", "SLEEP", "0.3") }
        let reply = try await eventually { try await redis.send("ECHO", "after") }
        #expect(reply.string == "after", "the late reply to DEBUG SLEEP was dropped, not given to ECHO")
        await redis.shutdown()
    }

    @Test func deliversPublishedMessagesToSubscribers() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let redis = try Self.client(server)
        let subscription = try await redis.subscribe(to: ["news"], patterns: ["cache:*"])
        #expect(try await redis.send("PUBLISH", "news", "hello").int == 1)
        #expect(try await redis.send("PUBLISH", "cache:users", "42").int == 1)
        var iterator = subscription.makeAsyncIterator()
        let first = try await iterator.next()
        let second = try await iterator.next()
        #expect(first?.channel == "news")
        #expect(first?.text == "hello")
        #expect(second?.channel == "cache:users")
        #expect(second?.pattern == "cache:*")
        #expect(second?.text == "42")
        await subscription.close()
        #expect(try await iterator.next() == nil, "closing ends the sequence")
        await redis.shutdown()
    }

    @Test func aDeadServerIsAClearErrorNotAHang() async throws {
        let port = try RedisServer.freePort()
        let redis = try RedisClient(configuration: RedisConfiguration(port: port, minimumConnections: 0, borrowTimeout: .seconds(5)))
        await #expect {
            try await redis.send("PING")
        } throws: { error in
            "\(error)".contains("no Redis connection available") && "\(error)".contains("\(port)")
        }
        await redis.shutdown()
    }
}

/// A fake server that answers every command with bytes that are not RESP.
@Suite(.timeLimit(.minutes(1))) struct MalformedReplyTests {
    @Test func aMalformedReplyFailsTheCommandAndClosesTheConnection() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(GarbageResponder())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress!.port!
        let redis = try RedisClient(configuration: RedisConfiguration(port: port, borrowTimeout: .seconds(10), preferRESP3: false))
        await #expect {
            try await redis.send("PING")
        } throws: { error in
            "\(error)".contains("protocol error") || "\(error)".contains("malformed")
        }
        await redis.shutdown()
        try await server.close()
    }

    final class GarbageResponder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "?not resp\r\n")), promise: nil)
        }
    }
}
