import BulwarkDemo
import BulwarkGateway
import Foundation
import Testing

/// What a black-box review of the response cache found, each kept fixed by a test.
@Suite("Response cache: collapsing, purges and privacy edge cases", .timeLimit(.minutes(1)))
struct ResponseCacheReviewTests {
    static let yaml = """
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0"]
            timeout: 2s
            retry: { attempts: 1 }
        routes:
          - path_prefix: /
            upstream: app
            cache: { ttl: 60s, authorized: true }
        """

    @Test("a slow response that cannot be stored: the waiter gets its own in time, and later misses do not wait at all")
    func slowUncacheable() async throws {
        let counter = Counter()
        let app = try await DemoUpstream.start { _ in
            DemoReply(body: "private \(counter.next())", headers: [("Cache-Control", "private")], delay: .milliseconds(1200))
        }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            async let first = gateway.get("/me")
            try await Task.sleep(for: .milliseconds(300))
            let second = try await gateway.get("/me")
            #expect(try await first.status == 200)
            #expect(second.status == 200, "waited 0.9 s for the first, then had its own 2 s for its own fetch")
            let started = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<5 { group.addTask { try await gateway.get("/me").status } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == [200, 200, 200, 200, 200])
            #expect(ContinuousClock.now - started < .milliseconds(2000), "known not storable: nobody waited for anybody")
            #expect(counter.count == 7)
        }
    }

    @Test("a purge while a response is being fetched keeps that response out of the cache")
    func purgeDuringFetch() async throws {
        let counter = Counter()
        let app = try await DemoUpstream.start { _ in DemoReply(body: "v\(counter.next())", delay: .milliseconds(600)) }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            async let fetching = gateway.get("/race")
            #expect(try await eventually { counter.count == 1 }, "the fetch reached the upstream")
            _ = try await gateway.gateway.responseCache?.purge(prefix: "/race")
            #expect(try await fetching.body == "v1")
            let next = try await gateway.get("/race")
            #expect(next.header("X-Cache") == "MISS" && next.body == "v2")
        }
    }

    @Test("when the client of the fetch everyone waits for leaves, one waiter fetches again for all")
    func leaderLeaves() async throws {
        let counter = Counter()
        let app = try await DemoUpstream.start { _ in DemoReply(body: "v\(counter.next())", delay: .milliseconds(500)) }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let impatient = Task { try? await RawHTTP.request("GET", "/dis", port: gateway.port, timeout: .milliseconds(300)) }
            #expect(try await eventually { counter.count == 1 }, "the impatient client's fetch leads")
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<5 { group.addTask { try await gateway.get("/dis").body } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            _ = await impatient.value
            #expect(Set(bodies).count == 1, "\(bodies)")
            #expect(counter.count == 2, "the abandoned fetch and one more")
        }
    }

    @Test("a public response to a request with a cookie is stored for others; a non-public one never is, even with authorized: true")
    func cookies() async throws {
        let app = try await DemoUpstream.start { request in
            let shared = request.uri.hasPrefix("/public")
            return DemoReply(body: "for \(request.header("Cookie") ?? "anyone")", headers: [("Cache-Control", shared ? "public, max-age=60" : "max-age=60")])
        }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            _ = try await gateway.get("/me", headers: [("Cookie", "session=alice")])
            let anonymous = try await gateway.get("/me")
            #expect(anonymous.body == "for anyone" && anonymous.header("X-Cache") == "MISS")
            _ = try await gateway.get("/public/page", headers: [("Cookie", "session=alice")])
            let other = try await gateway.get("/public/page")
            #expect(other.header("X-Cache") == "HIT")
        }
        let plain = ResponseCacheLiveTests.yaml()
        let bypassApp = try await DemoUpstream.start { _ in DemoReply(body: "catalog", headers: [("Cache-Control", "public, max-age=60")]) }
        try await GatewayHarness.with(yaml: plain, upstreams: [bypassApp]) { gateway async throws in
            #expect(try await gateway.get("/c", headers: [("Cookie", "x=1")]).header("X-Cache") == "BYPASS")
            #expect(try await gateway.get("/c").header("X-Cache") == "HIT", "the bypassed request's public response was kept")
        }
    }

    @Test("after an unsafe request invalidates a varying response, no older variant comes back")
    func variantsAfterInvalidation() async throws {
        let version = Counter()
        let app = try await DemoUpstream.start { request in
            if request.method == "POST" { version.next(); return DemoReply(status: 204) }
            return DemoReply(body: "\(request.header("Accept-Language") ?? "-") v\(version.count)", headers: [("Vary", "Accept-Language")])
        }
        try await GatewayHarness.with(yaml: ResponseCacheLiveTests.yaml(), upstreams: [app]) { gateway async throws in
            for language in ["de", "fr"] {
                _ = try await gateway.get("/v", headers: [("Accept-Language", language)])
                try await waitForStore(gateway, "/v", headers: [("Accept-Language", language)])
            }
            #expect(try await RawHTTP.request("POST", "/v", port: gateway.port, body: "x").status == 204)
            #expect(try await gateway.get("/v", headers: [("Accept-Language", "fr")]).body == "fr v1")
            let german = try await gateway.get("/v", headers: [("Accept-Language", "de")])
            #expect(german.body == "de v1", "the variant stored before the POST is not reachable any more")
        }
    }

    @Test("a purge by host ignores the default port and letter case; a url purge covers both schemes")
    func purgeNormalisation() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "x") }
        try await GatewayHarness.with(yaml: ResponseCacheLiveTests.yaml(), upstreams: [app]) { gateway async throws in
            let cache = try #require(gateway.gateway.responseCache)
            let host = [("Host", "shop.example")]
            _ = try await gateway.get("/a//b", headers: host)
            #expect(try await cache.purge(prefix: "/a//b", host: "SHOP.example:80") == 1, "the prefix is canonicalised like the request")
            _ = try await gateway.get("/a/b", headers: host)
            #expect(try await cache.purge(url: "https://shop.example/a/b") == 1, "stored by a plain listener, named with https")
            await #expect(throws: PurgeError.self) { try await cache.purge(prefix: "relative") }
        }
    }
}
