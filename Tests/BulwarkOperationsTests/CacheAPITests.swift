import BulwarkDemo
import Foundation
import Testing

/// `GET /api/cache` and `POST /api/cache/purge` against a real gateway with a caching route.
@Suite(.timeLimit(.minutes(1)))
struct CacheAPITests {
    static let yaml = """
        upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
        routes:
          - { path_prefix: /api/catalog, upstream: app, cache: { ttl: 60s } }
          - { path_prefix: /, upstream: app }
        """

    @Test func figuresShowTiersAndTheHitRatio() async throws {
        let app = try await DemoUpstream.start { request in DemoReply(body: "item \(request.uri)") }
        try await OperationsHarness.with(yaml: Self.yaml, upstreams: [app]) { harness async throws in
            _ = try await harness.proxy("/api/catalog/1")
            for _ in 0..<3 { _ = try await harness.proxy("/api/catalog/1") }
            let figures = try await harness.json("/api/cache")
            #expect(figures["enabled"] as? Bool == true)
            #expect(figures["hit_ratio"] as? Double == 0.75)
            let tiers = try #require(figures["tiers"] as? [[String: Any]])
            let memory = try #require(tiers.first { $0["tier"] as? String == "memory" })
            #expect(memory["entries"] as? Int == 1)
            #expect((memory["bytes"] as? Int ?? 0) > 0)
            #expect(memory["budget_bytes"] as? Int == 64 << 20)
            #expect(!tiers.contains { $0["tier"] as? String == "redis" }, "no redis tier without cache.redis")
        }
    }

    @Test func aPurgeByPrefixURLOrTagAnswersHowManyWereRemoved() async throws {
        let app = try await DemoUpstream.start { request in
            DemoReply(body: "item", headers: [("Cache-Tag", request.uri.hasSuffix("1") ? "first" : "second")])
        }
        try await OperationsHarness.with(yaml: Self.yaml, upstreams: [app]) { harness async throws in
            for path in ["/api/catalog/1", "/api/catalog/2", "/api/catalog/3"] { _ = try await harness.proxy(path) }
            let byTag = try await harness.admin(.POST, "/api/cache/purge", body: #"{"tag": "first"}"#)
            #expect(byTag.status == 200)
            #expect(try byTag.object()["purged"] as? Int == 1)
            let byURL = try await harness.admin(.POST, "/api/cache/purge", body: #"{"url": "http://127.0.0.1:\#(harness.port)/api/catalog/2"}"#)
            #expect(try byURL.object()["purged"] as? Int == 1)
            let otherHost = try await harness.admin(.POST, "/api/cache/purge", body: #"{"prefix": "/api/catalog", "host": "example.com"}"#)
            #expect(try otherHost.object()["purged"] as? Int == 0)
            let byPrefix = try await harness.admin(.POST, "/api/cache/purge", body: #"{"prefix": "/api/catalog"}"#)
            #expect(try byPrefix.object()["purged"] as? Int == 1)
            let entries = try await harness.json("/api/cache")["tiers"] as? [[String: Any]]
            #expect(entries?.first?["entries"] as? Int == 0)
        }
    }

    @Test func aMalformedPurgeIsA400ThatSaysWhatToSend() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await OperationsHarness.with(yaml: Self.yaml, upstreams: [app]) { harness async throws in
            for body in ["not json", "{}", #"{"prefix": "/a", "tag": "b"}"#, #"{"prefix": "relative"}"#, #"{"url": "ftp://x/y"}"#, #"{"tag": "x", "host": "h"}"#] {
                let reply = try await harness.admin(.POST, "/api/cache/purge", body: body)
                #expect(reply.status == 400, "\(body)")
            }
            #expect(try await harness.admin(.GET, "/api/cache/purge").status == 405)
        }
    }
}
