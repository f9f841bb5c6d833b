import BulwarkTestSupport
import Resilience
import Synchronization
import Testing

@testable import BulwarkRedis

@Suite struct InvalidationMessageTests {
    @Test func aPayloadRoundTripsWithAnyValue() {
        let message = InvalidationMessage(topic: "cache", kind: "prefix", value: "/api|v1\nx:y", origin: "gw-1")
        #expect(InvalidationMessage(payload: message.payload) == message)
    }

    @Test func foreignPayloadsAreIgnored() {
        #expect(InvalidationMessage(payload: "hello") == nil)
        #expect(InvalidationMessage(payload: "v2|cache|key|gw|k") == nil)
        #expect(InvalidationMessage(payload: "v1||key|gw|k") == nil)
        #expect(!InvalidationMessage.isValidField("a|b"))
        #expect(InvalidationMessage.isValidField("cache"))
    }
}

/// Collects what a listener is told.
final class ReceivedEvents: Sendable {
    let events = Mutex<[InvalidationEvent]>([])
    func record(_ event: InvalidationEvent) { events.withLock { $0.append(event) } }
    var all: [InvalidationEvent] { events.withLock { $0 } }
}

@Suite(.enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct InvalidationBusTests {
    static func client(_ server: RedisServer) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: server.url)
        configuration.borrowTimeout = .milliseconds(300)
        return try RedisClient(configuration: configuration)
    }

    @Test func anotherInstanceReceivesAMessageButNotItsSender() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let (redisA, redisB) = (try Self.client(server), try Self.client(server))
        let busA = InvalidationBus(redis: redisA, instanceID: "a")
        let busB = InvalidationBus(redis: redisB, instanceID: "b")
        let (seenA, seenB, otherTopic) = (ReceivedEvents(), ReceivedEvents(), ReceivedEvents())
        busA.addListener(topic: "cache") { seenA.record($0) }
        busB.addListener(topic: "cache") { seenB.record($0) }
        busB.addListener(topic: "revocation") { otherTopic.record($0) }
        let runs = [Task { await busA.run() }, Task { await busB.run() }]
        _ = try await eventually { guard busA.isConnected, busB.isConnected else { throw TestFailure("not subscribed") } }

        try await busA.publish(topic: "cache", kind: "key", value: "user:42")
        let expected = InvalidationEvent.message(InvalidationMessage(topic: "cache", kind: "key", value: "user:42", origin: "a"))
        _ = try await eventually { guard seenB.all == [expected] else { throw TestFailure("B saw \(seenB.all)") } }
        #expect(seenA.all.isEmpty)
        #expect(otherTopic.all.isEmpty)
        for run in runs { run.cancel() }
        for run in runs { await run.value }
        await redisA.shutdown()
        await redisB.shutdown()
    }

    @Test func aLostSubscriptionComesBackAndAsksListenersToResynchronise() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let (redisA, redisB) = (try Self.client(server), try Self.client(server))
        let fast = Backoff.constant(.milliseconds(50))
        let busA = InvalidationBus(redis: redisA, instanceID: "a", backoff: fast)
        let busB = InvalidationBus(redis: redisB, instanceID: "b", backoff: fast)
        let seenB = ReceivedEvents()
        busB.addListener(topic: "cache") { seenB.record($0) }
        let run = Task { await busB.run() }
        _ = try await eventually { guard busB.isConnected else { throw TestFailure("not subscribed") } }

        server.kill()
        await #expect(throws: (any Error).self) { try await busA.publish(topic: "cache", kind: "all", value: "") }
        _ = try await eventually { guard !busB.isConnected else { throw TestFailure("still connected") } }
        try await server.launch()
        _ = try await eventually { guard seenB.all.contains(.resynchronize) else { throw TestFailure("no resync: \(seenB.all)") } }
        #expect(busB.isConnected)
        _ = try await eventually { try await busA.publish(topic: "cache", kind: "tag", value: "users") }
        _ = try await eventually {
            guard seenB.all.last == .message(InvalidationMessage(topic: "cache", kind: "tag", value: "users", origin: "a")) else {
                throw TestFailure("B saw \(seenB.all)")
            }
        }
        run.cancel()
        await run.value
        await redisA.shutdown()
        await redisB.shutdown()
    }
}
