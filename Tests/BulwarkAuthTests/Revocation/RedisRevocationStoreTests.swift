import BulwarkAuth
import BulwarkRedis
import BulwarkTestSupport
import Testing

@Suite("Redis revocation store", .enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct RedisRevocationStoreRevocationTests {
    static func client(_ server: RedisServer) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: server.url)
        configuration.borrowTimeout = .milliseconds(300)
        return try RedisClient(configuration: configuration)
    }

    @Test("passes the store conformance suite against a real redis-server")
    func conformance() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let redis = try Self.client(server)
        try await RevocationStoreConformance(store: RedisRevocationStore(redis: redis)) { _ in }.run()
        await redis.shutdown()
    }

    @Test("each entry is one key under the prefix, expiring with the entry's life")
    func keysAndTTL() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let redis = try Self.client(server)
        let store = RedisRevocationStore(redis: redis)
        let entry = RevocationEntry.token(id: "jti:j1", expiresAt: nil)
        try await store.add(entry, ttl: .seconds(60))
        #expect(store.key(entry) == "bulwark:revoked:t:jti:j1")
        let left = try #require(try await redis.send("PTTL", RedisArgument(store.key(entry))).int)
        #expect(left > 0 && left <= 60_000)
        #expect(try await redis.send("GET", RedisArgument(store.key(entry))).string == entry.encoded)
        await redis.shutdown()
    }

    @Test("only keys under its own prefix are read, and foreign values there are skipped")
    func prefixes() async throws {
        let server = try await RedisServer.start()
        defer { server.stop() }
        let redis = try Self.client(server)
        let (ours, theirs) = (RedisRevocationStore(redis: redis, prefix: "gw[1]*"), RedisRevocationStore(redis: redis, prefix: "gw"))
        try await ours.add(.token(id: "jti:ours", expiresAt: nil), ttl: .seconds(60))
        try await theirs.add(.token(id: "jti:theirs", expiresAt: nil), ttl: .seconds(60))
        try await redis.send("SET", "gw[1]*:t:garbage", "not an entry")
        try await redis.send("SET", "gw1x:t:jti:globbed", RedisArgument(RevocationEntry.token(id: "jti:globbed", expiresAt: nil).encoded))
        #expect(try await ours.all() == [.token(id: "jti:ours", expiresAt: nil)])
        #expect(try await theirs.all() == [.token(id: "jti:theirs", expiresAt: nil)])
        await redis.shutdown()
    }
}
