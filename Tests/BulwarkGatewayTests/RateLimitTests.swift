import BulwarkDemo
import Testing

@Suite("Route rate limits", .timeLimit(.minutes(1)))
struct RateLimitTests {
    static func yaml(server: String = "", key: String = "") -> String {
        """
        server:
          \(server.isEmpty ? "drain_timeout: 1s" : server)
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0"]
        rate_limits:
          auth: { requests: 3, per: 1m\(key) }
        routes:
          - path_prefix: /login
            methods: [POST]
            upstream: app
            rate_limits: [auth]
          - path_prefix: /
            upstream: app
        """
    }

    @Test("over the limit: 429 with Retry-After, IETF RateLimit fields and a problem+json body; the app is not called")
    func limitedRoute() async throws {
        let hits = Counter()
        let app = try await DemoUpstream.start { _ in hits.next(); return DemoReply(body: "welcome") }
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: [app]) { gateway async throws in
            for remaining in [2, 1, 0] {
                let response = try await RawHTTP.request("POST", "/login", port: gateway.port, body: "u=a")
                #expect(response.status == 200)
                #expect(response.header("RateLimit-Policy") == "\"auth\";q=3;w=60")
                #expect(response.header("RateLimit")?.hasPrefix("\"auth\";r=\(remaining);t=") == true)
                #expect(response.header("Retry-After") == nil)
            }
            let limited = try await RawHTTP.request("POST", "/login", port: gateway.port, body: "u=a")
            #expect(limited.status == 429)
            #expect(limited.header("Content-Type") == "application/problem+json")
            let retryAfter = try #require(limited.header("Retry-After").flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= 20)
            #expect(limited.header("RateLimit")?.hasPrefix("\"auth\";r=0;t=") == true)
            #expect(limited.body.contains("\"status\":429"))
            #expect(limited.body.contains("\"title\":\"Too Many Requests\""))
            #expect(hits.count == 3)
            // Other routes are not limited.
            #expect(try await gateway.get("/other").status == 200)
        }
    }

    @Test("a spoofed X-Forwarded-For from an untrusted peer changes nothing")
    func spoofedForwardedFor() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: [app]) { gateway async throws in
            var statuses: [Int] = []
            for index in 0..<5 {
                statuses.append(try await RawHTTP.request("POST", "/login", port: gateway.port, headers: [("X-Forwarded-For", "203.0.113.\(index)")], body: "u").status)
            }
            #expect(statuses == [200, 200, 200, 429, 429])
        }
    }

    @Test("behind a trusted proxy each X-Forwarded-For client has its own limit")
    func trustedProxy() async throws {
        let seen = LastRequest()
        let app = try await DemoUpstream.start { request in seen.set(request); return DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: Self.yaml(server: "trusted_proxies: [\"127.0.0.0/8\"]"), upstreams: [app]) { gateway async throws in
            for index in 0..<4 {
                let response = try await RawHTTP.request("POST", "/login", port: gateway.port, headers: [("X-Forwarded-For", "203.0.113.\(index)")], body: "u")
                #expect(response.status == 200)
            }
            #expect(seen.request?.header("X-Forwarded-For") == "203.0.113.3, 127.0.0.1")
            var statuses: [Int] = []
            for _ in 0..<4 {
                statuses.append(try await RawHTTP.request("POST", "/login", port: gateway.port, headers: [("X-Forwarded-For", "198.51.100.7, 203.0.113.9")], body: "u").status)
            }
            #expect(statuses == [200, 200, 200, 429])   // keyed on 203.0.113.9, the nearest untrusted hop
        }
    }

    @Test("rate_limit_headers: legacy renders RateLimit-Limit/-Remaining/-Reset")
    func legacyHeaders() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: Self.yaml(server: "rate_limit_headers: legacy"), upstreams: [app]) { gateway async throws in
            let response = try await RawHTTP.request("POST", "/login", port: gateway.port, body: "u")
            #expect(response.header("RateLimit-Limit") == "3")
            #expect(response.header("RateLimit-Remaining") == "2")
            #expect(response.header("RateLimit-Reset") != nil)
            #expect(response.header("RateLimit-Policy") == nil)
        }
    }

    @Test("key: header:X-API-Key limits each key separately")
    func headerKey() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: Self.yaml(key: ", key: \"header:X-API-Key\""), upstreams: [app]) { gateway async throws in
            for _ in 0..<3 {
                #expect(try await RawHTTP.request("POST", "/login", port: gateway.port, headers: [("X-API-Key", "alpha")], body: "u").status == 200)
            }
            #expect(try await RawHTTP.request("POST", "/login", port: gateway.port, headers: [("X-API-Key", "alpha")], body: "u").status == 429)
            #expect(try await RawHTTP.request("POST", "/login", port: gateway.port, headers: [("X-API-Key", "beta")], body: "u").status == 200)
        }
    }
}
