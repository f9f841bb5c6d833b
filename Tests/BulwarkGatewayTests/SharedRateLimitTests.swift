import BulwarkDemo
import BulwarkTestSupport
import Testing

@Suite("Rate limits shared through Redis", .enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct SharedRateLimitTests {
    @Test("two gateways with the same redis.url enforce one limit together")
    func twoInstancesShareOneLimit() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let yaml = """
        redis:
          url: "\(redis.url)"
        upstreams:
          app:
            targets: ["http://127.0.0.1:\(app.port)"]
        rate_limits:
          auth: { requests: 3, per: 1m }
        routes:
          - { path_prefix: /login, upstream: app, rate_limits: [auth] }
        """
        defer { Task { await app.stop() } }
        try await GatewayHarness.with(yaml: yaml) { first async throws in
            try await GatewayHarness.with(yaml: yaml) { second async throws in
                var statuses: [Int] = []
                for index in 0..<4 {
                    let gateway = index % 2 == 0 ? first : second
                    statuses.append(try await RawHTTP.request("POST", "/login", port: gateway.port, body: "u").status)
                }
                #expect(statuses == [200, 200, 200, 429])
            }
        }
    }

    @Test("mode: leased — two gateways lease slices of one limit: together they admit exactly the allowance, then 429 with Retry-After")
    func leasedInstancesShareOneLimit() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let yaml = """
        redis:
          url: "\(redis.url)"
        upstreams:
          app:
            targets: ["http://127.0.0.1:\(app.port)"]
        rate_limits:
          api: { requests: 8, per: 1h, mode: leased }
        routes:
          - { path_prefix: /api, upstream: app, rate_limits: [api] }
        """
        defer { Task { await app.stop() } }
        try await GatewayHarness.with(yaml: yaml) { first async throws in
            try await GatewayHarness.with(yaml: yaml) { second async throws in
                var statuses: [Int] = []
                var retryAfter: String?
                for index in 0..<20 {
                    let gateway = index % 2 == 0 ? first : second
                    let response = try await RawHTTP.request("GET", "/api/x", port: gateway.port)
                    statuses.append(response.status)
                    if response.status == 429 { retryAfter = retryAfter ?? response.header("Retry-After") }
                }
                // A slice holds at most a quarter of the burst (2 here), and leases are debited when taken:
                // both instances keep spending theirs, so together they admit exactly the allowance.
                #expect(statuses.filter { $0 == 200 }.count == 8, "\(statuses)")
                #expect(statuses.filter { $0 == 429 }.count == 12)
                #expect(retryAfter.flatMap(Int.init).map { $0 > 0 } == true)
                #expect(app.requestCount == 8)
            }
        }
    }
}
