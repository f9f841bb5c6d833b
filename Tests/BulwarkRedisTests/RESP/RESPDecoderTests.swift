import BulwarkTestSupport
import NIOCore
import NIOPosix
import Testing

@testable import BulwarkRedis

/// The channel decoder keeps one parser per connection: large replies that arrive over many socket reads
/// come out whole, and hostile nesting fails the command and closes the connection.
@Suite(.timeLimit(.minutes(1))) struct RESPDecoderTests {
    @Test(.enabled(if: RedisServer.shouldRun, "redis-server is not installed"))
    func largeRepliesFromARealServerArriveWhole() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.commandTimeout = .seconds(30)
        let redis = try RedisClient(configuration: configuration)

        var blob = ByteBuffer(repeating: UInt8(ascii: "z"), count: 4 * 1024 * 1024)
        blob.setString("\r\n$3\r\n*1\r\n", at: 1000)
        try await redis.send("SET", "blob", RedisArgument(blob))
        #expect(try await redis.send("GET", "blob") == .bulkString(blob))

        let count = 100_000
        let items = (0..<count).map { RedisArgument("item-\($0)") }
        #expect(try await redis.send(["RPUSH", "list"] + items).int == Int64(count))
        let list = try await redis.send("LRANGE", "list", 0, -1).array
        #expect(list?.count == count)
        #expect(list?.first?.string == "item-0")
        #expect(list?.last?.string == "item-\(count - 1)")
        #expect(list?[count / 2].string == "item-\(count / 2)")
        #expect(try await redis.send("PING").string == "PONG")
        await redis.shutdown()
    }

    enum HostileReply: String, CaseIterable {
        case chainedAttributes, nestedArrays

        var bytes: ByteBuffer {
            switch self {
            case .chainedAttributes: ByteBuffer(string: String(repeating: "|1\r\n+a\r\n+b\r\n", count: 100_000) + "+OK\r\n")
            case .nestedArrays: ByteBuffer(string: String(repeating: "*1\r\n", count: 100_000) + "+OK\r\n")
            }
        }
    }

    @Test(arguments: HostileReply.allCases)
    func hostileNestingFailsTheCommandAndClosesTheConnection(reply: HostileReply) async throws {
        let bytes = reply.bytes
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FixedResponder(reply: bytes)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let redis = try RedisClient(configuration: RedisConfiguration(
            port: server.localAddress!.port!, clientName: nil, borrowTimeout: .seconds(10), preferRESP3: false))
        await #expect {
            try await redis.send("GET", "k")
        } throws: { error in
            guard case .protocolError(let reason) = error as? RedisError else { return false }
            return reason.contains("nesting deeper than \(RESPParser.defaultMaximumDepth)")
        }
        await redis.shutdown()
        try await server.close()
    }

    /// Answers every read with the same bytes.
    final class FixedResponder: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let reply: ByteBuffer

        init(reply: ByteBuffer) { self.reply = reply }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        }
    }
}
