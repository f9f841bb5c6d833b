import BulwarkTestSupport
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import BulwarkRedis

/// Counts the writes a client's connections make and the commands in them.
final class FlushCounter: RedisClientInstrumentation {
    private let counts = Mutex<(flushes: Int, commands: Int, largest: Int)>((0, 0, 0))
    func flushed(commands: Int) {
        counts.withLock { $0 = ($0.flushes + 1, $0.commands + commands, max($0.largest, commands)) }
    }
    var flushes: Int { counts.withLock { $0.flushes } }
    var commands: Int { counts.withLock { $0.commands } }
    var largest: Int { counts.withLock { $0.largest } }
}

@Suite("Automatic pipelining")
struct AutomaticPipeliningUnitTests {
    @Test("commands written during one event-loop tick leave in one write and one flush, in order")
    func oneTickOneWrite() throws {
        let counter = FlushCounter()
        let channel = EmbeddedChannel(handler: RedisCommandHandler(instrumentation: counter))
        for index in 0..<100 {
            let promise = channel.eventLoop.makePromise(of: RESPValue.self)
            channel.writeAndFlush(RedisRequest(arguments: ["GET", RedisArgument("k\(index)")], promise: promise, deadline: nil), promise: nil)
            promise.futureResult.whenComplete { _ in }
        }
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "nothing is written before the tick ends")
        channel.embeddedEventLoop.run()
        let written = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "one write for the whole tick")
        var expected = ByteBuffer()
        for index in 0..<100 { RESPEncoder.encodeCommand(["GET", RedisArgument("k\(index)")], into: &expected) }
        #expect(written == expected)
        #expect(counter.flushes == 1)
        #expect(counter.commands == 100)
        _ = try? channel.finish()
    }

    @Test("one timer serves every deadline: the expired command fails, the others still get their replies in order")
    func sharedDeadlineTimer() throws {
        let channel = EmbeddedChannel(handler: RedisCommandHandler())
        let loop = channel.embeddedEventLoop
        let now = NIODeadline.now()
        let results = Mutex<[Int: Result<RESPValue, any Error>]>([:])
        let deadlines: [NIODeadline] = [now + .seconds(5), now + .milliseconds(10), now + .seconds(5)]
        for (index, deadline) in deadlines.enumerated() {
            let promise = loop.makePromise(of: RESPValue.self)
            promise.futureResult.whenComplete { result in results.withLock { $0[index] = result } }
            channel.writeAndFlush(RedisRequest(arguments: ["ECHO", RedisArgument("\(index)")], promise: promise, deadline: deadline), promise: nil)
        }
        loop.run()
        loop.advanceTime(to: now + .milliseconds(20))
        let settled = results.withLock { $0 }
        #expect(settled.count == 1)
        guard case .failure(let error as RedisError)? = settled[1] else { Issue.record("command 1 did not time out: \(String(describing: settled[1]))"); return }
        #expect(error == .timeout("ECHO"))
        for index in 0..<3 { try channel.writeInbound(RESPValue.bulkString(ByteBuffer(string: "\(index)"))) }
        let replies = results.withLock { $0 }
        #expect(try replies[0]?.get().string == "0")
        #expect(try replies[2]?.get().string == "2", "the late reply to the expired command was dropped, not given to the next")
        _ = try? channel.finish()
    }
}

@Suite("Automatic pipelining against a real server", .enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct AutomaticPipeliningTests {
    @Test("a burst of 2,000 concurrent commands on one connection goes out in far fewer writes, and every reply matches its command")
    func burstInFewFlushes() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let counter = FlushCounter()
        var configuration = try RedisConfiguration(url: server.url)
        configuration.minimumConnections = 1
        configuration.maximumConnections = 1
        let redis = try RedisClient(configuration: configuration, instrumentation: counter)
        try await redis.send("PING")
        let before = counter.flushes
        let pairs = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<2_000 {
                group.addTask { (index, try await redis.send("ECHO", RedisArgument("value-\(index)")).string) }
            }
            return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
        }
        #expect(pairs.allSatisfy { $0.1 == "value-\($0.0)" }, "a reply went to the wrong command")
        let flushes = counter.flushes - before
        #expect(flushes < 1_000, "2,000 commands took \(flushes) writes")
        #expect(counter.largest > 1)
        await redis.shutdown()
    }

    @Test("replies still match their commands after a timeout and after the server drops the connection")
    func repliesMatchAcrossTimeoutsAndReconnects() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        var configuration = try RedisConfiguration(url: server.url)
        configuration.minimumConnections = 1
        configuration.maximumConnections = 1
        configuration.commandTimeout = .milliseconds(100)
        configuration.borrowTimeout = .seconds(2)
        let counter = FlushCounter()
        let redis = try RedisClient(configuration: configuration, instrumentation: counter)
        try await redis.send("SET", "k", "v")
        // BLPOP blocks the connection past its timeout; commands pipelined behind it wait with it.
        let written = counter.commands
        let blocked = Task { try await redis.sendRaw(["BLPOP", "empty-list", "0.3"]) }
        _ = try await eventually(within: 2) { if counter.commands == written { throw RedisError.timeout("BLPOP not written yet") } }
        let behind = Task { try await redis.sendRaw(["ECHO", "behind"], timeout: .seconds(2)) }
        await #expect(throws: RedisError.timeout("BLPOP")) { try await blocked.value }
        let echoed = try await behind.value
        #expect(echoed.string == "behind", "the BLPOP's late nil was dropped, not given to ECHO")
        // The server drops every client connection mid-burst: commands fail or succeed, never cross.
        let killer = try RedisClient(configuration: RedisConfiguration(url: server.url))
        let results = await withTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<300 {
                group.addTask {
                    if index == 150 { _ = try? await killer.send("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") }
                    return (index, try? await redis.send("ECHO", RedisArgument("e\(index)")).string)
                }
            }
            return await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.1 == nil || $0.1 == "e\($0.0)" }, "a reply crossed to another command")
        let after = try await eventually { try await redis.send("GET", "k") }
        #expect(after.string == "v")
        await killer.shutdown()
        await redis.shutdown()
    }
}
