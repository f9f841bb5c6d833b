import BulwarkConfig
import BulwarkDemo
import BulwarkGateway
import BulwarkTestSupport
import Foundation
import Logging
import Testing

/// Two gateways sharing one real Redis as the cache's second tier. Requests name one `Host`, as they
/// would behind a load balancer (the host is part of the cache key).
@Suite("Response cache shared through Redis", .enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(2)), .serialized)
struct SharedResponseCacheTests {
    static func yaml(redis: RedisServer) -> String {
        """
        redis: { url: "\(redis.url)" }
        cache: { redis: true }
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0"]
        routes:
          - path_prefix: /
            upstream: app
            cache: { ttl: 60s }
        """
    }

    /// Runs `body` with two gateways in front of `app`, sharing `redis`.
    static func withTwoGateways(redis: RedisServer, app: DemoUpstream, _ body: (GatewayHarness, GatewayHarness) async throws -> Void) async throws {
        let text = yaml(redis: redis).replacingOccurrences(of: "PORT0", with: "\(app.port)")
        try await GatewayHarness.with(yaml: text) { first async throws in
            try await GatewayHarness.with(yaml: text) { second async throws in
                try await body(first, second)
            }
        }
    }

    @Test("what one gateway stored, the other serves; a purge on one reaches the other within a second")
    func sharedEntriesAndPurge() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let counter = Counter()
        let app = try await DemoUpstream.start { _ in DemoReply(body: "copy \(counter.next())") }
        try await Self.withTwoGateways(redis: redis, app: app) { first, second in
            #expect(try await first.get(host: "/catalog/1").header("X-Cache") == "MISS")
            let fromRedis = try await eventually(within: .seconds(3)) { try await second.get(host: "/catalog/1").header("X-Cache") == "HIT" }
            #expect(fromRedis)
            #expect(counter.count == 1, "the second gateway found it in Redis")
            #expect(try await second.get(host: "/catalog/1").header("X-Cache") == "HIT", "now in its memory too")

            let purged = try await first.gateway.responseCache?.purge(prefix: "/catalog/")
            #expect((purged ?? 0) >= 1)
            let started = ContinuousClock.now
            let gone = try await eventually(within: .seconds(1)) { try await second.get(host: "/catalog/1").header("X-Cache") == "MISS" }
            #expect(gone, "the second gateway still served its memory copy \(ContinuousClock.now - started) after the purge")
        }
        await app.stop()
    }

    @Test("200 concurrent misses spread over two gateways reach the upstream once")
    func collapsingAcrossInstances() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let counter = Counter()
        let app = try await DemoUpstream.start { _ in DemoReply(body: "only \(counter.next())", delay: .milliseconds(400)) }
        try await Self.withTwoGateways(redis: redis, app: app) { first, second in
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<200 {
                    let gateway = index % 2 == 0 ? first : second
                    group.addTask { try await gateway.get(host: "/hot").body }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(bodies) == ["only 1"])
            #expect(counter.count == 1)
        }
        await app.stop()
    }

    @Test("killing Redis while cached routes serve: no errors, memory hits go on, and Redis is used again once it is back")
    func redisDies() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let counter = Counter()
        let app = try await DemoUpstream.start { request in DemoReply(body: "\(request.uri) \(counter.next())") }
        try await Self.withTwoGateways(redis: redis, app: app) { first, second in
            for index in 0..<5 { _ = try await first.get(host: "/item/\(index)") }
            redis.kill()
            var statuses: [Int] = []
            for round in 0..<20 {
                for index in 0..<5 {
                    let response = try await first.get(host: "/item/\(index)")
                    statuses.append(response.status)
                    #expect(response.header("X-Cache") == "HIT", "round \(round): memory keeps serving")
                }
                statuses.append(try await second.get(host: "/new/\(round)").status)  // a miss with Redis gone still works
            }
            let failed = statuses.filter { $0 != 200 }
            #expect(failed.isEmpty)
            try await redis.launch()
            let back = try await eventually(within: .seconds(10)) {
                _ = try await first.get(host: "/after/\(counter.count)")
                return first.gateway.responseCache?.statistics.redisAvailable == true
            }
            #expect(back)
        }
        await app.stop()
    }
}

extension GatewayHarness {
    /// A GET with the `Host` both gateways' clients use.
    func get(host path: String) async throws -> RawResponse {
        try await get(path, headers: [("Host", "shop.example")])
    }
}
