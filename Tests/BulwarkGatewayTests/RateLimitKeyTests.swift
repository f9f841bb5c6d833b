import BulwarkConfig
import BulwarkDemo
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Resilience
import Testing

@testable import BulwarkGateway

@Suite("Rate-limit keys", .timeLimit(.minutes(1)))
struct RateLimitKeyTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }

    @Test("SHA-256 matches the FIPS 180-4 examples and block-boundary lengths", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        (String(repeating: "x", count: 55), "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"),
        (String(repeating: "x", count: 56), "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"),
        (String(repeating: "x", count: 63), "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"),
        (String(repeating: "x", count: 64), "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"),
        (String(repeating: "x", count: 65), "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"),
        (String(repeating: "x", count: 1_000), "44f8354494a5ba03ba1792a8d3e9c534c47a9181980fde7a3f44b06ef2ae7c7f"),
        ("clé-ü", "fd42634613344938d8850b91fc53db13900a1f32eb3f41f0b2d41158ee25ef9f"),
    ])
    func sha256(input: String, expected: String) {
        #expect(Self.hex(SHA256Digest.hash(input.utf8)) == expected)
    }

    static let apiKey = RateLimitClass(policy: RateLimitPolicy(name: "api", limit: 10, per: .seconds(60)), key: .header("X-API-Key"))

    static func key(_ headers: [(String, String)], client: String = "192.0.2.7") -> String {
        RouteRateLimiter.key(for: apiKey, clientAddress: client, headers: HTTPHeaders(headers))
    }

    @Test("a header value becomes h: and 128 bits of its SHA-256 in hex, the same on every instance")
    func headerKeyFormat() {
        #expect(Self.key([("X-API-Key", "secret-api-key")]) == "h:61372661cf51fbc346920c1886f5cf76")
        #expect(Self.key([("x-api-key", "secret-api-key")]) == Self.key([("X-API-Key", "secret-api-key")]))
        #expect(Self.key([("X-API-Key", "secret-api-key")]) != Self.key([("X-API-Key", "secret-api-kez")]))
    }

    @Test("a 32 KiB header value gives a short fixed-size key")
    func largeValue() {
        let large = String(repeating: "A", count: 32 * 1024)
        let key = Self.key([("X-API-Key", large)])
        #expect(key.utf8.count == 34)
        #expect(key.hasPrefix("h:"))
        #expect(key == Self.key([("X-API-Key", large)]))
        #expect(key != Self.key([("X-API-Key", large + "A")]))
    }

    @Test("a missing or empty header falls back to the client address")
    func fallback() {
        #expect(Self.key([]) == "ip:192.0.2.7")
        #expect(Self.key([("X-API-Key", "")]) == "ip:192.0.2.7")
        #expect(Self.key([("Other", "v")], client: "2001:db8::1") == "ip:2001:db8::1")
    }

    static let yaml = """
        server:
          drain_timeout: 1s
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0"]
        rate_limits:
          auth: { requests: 2, per: 1h }
          api: { requests: 20, per: 1h, key: "header:X-API-Key" }
        routes:
          - path_prefix: /login
            methods: [POST]
            upstream: app
            rate_limits: [auth]
          - path_prefix: /
            upstream: app
            rate_limits: [api]
        """

    @Test("a flood of distinct header values cannot flush another client's limits")
    func floodCannotFlushLimits() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        var configuration = try BulwarkConfiguration.parse(yaml: Self.yaml.replacingOccurrences(of: "PORT0", with: "\(app.port)"))
        configuration.server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.server.accessLog = .off
        let metrics = CountingMetrics()
        var logger = Logger(label: "test.gateway")
        logger.logLevel = .critical
        let group = MultiThreadedEventLoopGroup.singleton
        let store = InMemoryRateLimitStore(maximumKeysPerPolicy: 8, metricsFactory: metrics)
        let runtime = try GatewayRuntime(
            configuration: configuration, eventLoops: Array(group.makeIterator()), rateLimitBackend: .memory(store),
            metricsFactory: metrics, logger: logger
        )
        let server = try await GatewayServer.bind(runtime: runtime, group: group)
        var failure: (any Error)?
        do {
            let port = try #require(server.localAddress?.port)
            let get: @Sendable (String) async throws -> RawResponse = { apiKey in
                try await RawHTTP.request("GET", "/", port: port, headers: [("X-API-Key", apiKey)])
            }

            for _ in 0..<5 { #expect(try await get("victim").status == 200) }
            for _ in 0..<2 { #expect(try await RawHTTP.request("POST", "/login", port: port, body: "u").status == 200) }
            #expect(try await RawHTTP.request("POST", "/login", port: port, body: "u").status == 429)

            let flood = 1_000
            let admitted = try await withThrowingTaskGroup(of: Int.self) { tasks in
                for worker in 0..<16 {
                    tasks.addTask {
                        var admitted = 0
                        for index in stride(from: worker, to: flood, by: 16) {
                            if try await get("flood-\(index)").status == 200 { admitted += 1 }
                        }
                        return admitted
                    }
                }
                return try await tasks.reduce(0, +)
            }
            #expect(admitted == 7 + 20, "7 free slots, then one shared allowance of 20 for every other key")
            #expect(metrics.total("bulwark_rate_limit_overflow_total", [("policy", "api")]) == Int64(flood - 7))

            #expect(try await RawHTTP.request("POST", "/login", port: port, body: "u").status == 429, "the auth limit survived")
            let victim = try await get("victim")
            #expect(victim.status == 200)
            #expect(victim.header("RateLimit")?.hasPrefix("\"api\";r=14;") == true, "the victim's usage survived: 20 − 6")
        } catch {
            failure = error
        }
        await server.drain(timeout: .seconds(1), logger: logger)
        await app.stop()
        if let failure { throw failure }
    }
}
