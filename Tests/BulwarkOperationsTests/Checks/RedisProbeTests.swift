import BulwarkOperations
import BulwarkRedis
import BulwarkTestSupport
import Testing

/// `RedisProbe` against a real redis-server: its own client and a shared one, a password, a stopped server.
@Suite(.enabled(if: RedisServer.shouldRun, "redis-server is not installed (apt-get install redis-server)"), .timeLimit(.minutes(1)))
struct RedisProbeTests {
    @Test func pingPassesThenFailsOnceTheServerIsGone() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let probe = try RedisProbe(url: server.url)
        #expect(await probe.probe(timeout: .seconds(2)) == .passed(detail: "reachable"))

        server.kill()
        let outcome = await probe.probe(timeout: .seconds(2))
        #expect(outcome != .passed(detail: "reachable"), "passed with the server gone")
        // The lost connection is not re-opened in the background; the next probe tries and is refused.
        #expect(await probe.probe(timeout: .seconds(2)) == .failed("connection refused"))
        await probe.shutdown()
        #expect(await probe.probe(timeout: .seconds(2)) == .failed("the Redis client was shut down"))
    }

    @Test func aSharedClientStaysOpenAfterTheProbeShutsDown() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let client = try RedisClient(url: server.url)
        let probe = RedisProbe(client: client)
        #expect(await probe.probe(timeout: .seconds(2)) == .passed(detail: "reachable"))
        await probe.shutdown()
        #expect(try await client.send("PING") == .simpleString("PONG"))
        await client.shutdown()
    }

    @Test func theURLsPasswordAuthenticatesAndIsNeverInAMessage() async throws {
        let server = try await RedisServer.start(["--requirepass", "s3cret-pw"])
        defer { server.stop() }

        let right = try RedisProbe(url: "redis://:s3cret-pw@127.0.0.1:\(server.port)/0")
        #expect(await right.probe(timeout: .seconds(2)) == .passed(detail: "reachable"))
        await right.shutdown()

        let wrong = try RedisProbe(url: "redis://:not-the-pw@127.0.0.1:\(server.port)/0")
        let refused = await wrong.probe(timeout: .seconds(2))
        await wrong.shutdown()
        guard case .failed(let reason) = refused else { Issue.record("passed with a wrong password"); return }
        #expect(reason.contains("WRONGPASS") || reason.contains("invalid password"), "\(reason)")
        #expect(!reason.contains("not-the-pw"))

        let none = try RedisProbe(url: "redis://127.0.0.1:\(server.port)/0")
        let anonymous = await none.probe(timeout: .seconds(2))
        await none.shutdown()
        #expect(anonymous != .passed(detail: "reachable"))
    }
}
