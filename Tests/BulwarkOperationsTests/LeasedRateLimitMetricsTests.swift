import BulwarkDemo
import BulwarkTestSupport
import Foundation
import Testing

@Suite("Leased rate limits in the admin API", .enabled(if: RedisServer.shouldRun, "redis-server is not installed"), .timeLimit(.minutes(1)))
struct LeasedRateLimitMetricsTests {
    @Test("/api/metrics shows the requests this instance holds in leases (the overshoot bound), and /metrics the lease gauges")
    func outstandingLeases() async throws {
        let redis = try await RedisServer.start()
        defer { redis.stop() }
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let yaml = """
        redis:
          url: "\(redis.url)"
        admin:
          sample_interval: 100ms
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0"]
        rate_limits:
          api: { requests: 100000, per: 1h, mode: leased }
        routes:
          - { path_prefix: /api, upstream: app, rate_limits: [api] }
        """
        try await OperationsHarness.with(yaml: yaml, upstreams: [app]) { harness in
            // Traffic teaches the instance its rate; once a second of it has passed, a lease holds many
            // requests. Keep sending until one does.
            #expect(try await eventually {
                try await harness.proxy("/api/x").status == 200 && harness.gateway.leasedRateLimitOutstanding > 0
            })
            #expect(try await eventually {
                let metrics = try await harness.json("/api/metrics")
                let shown = (metrics["ratelimit_leased_outstanding"] as? Double) ?? (metrics["ratelimit_leased_outstanding"] as? Int).map(Double.init) ?? 0
                return shown > 0
            }, "ratelimit_leased_outstanding missing or zero in /api/metrics")
            let exposition = try await harness.admin(.GET, "/metrics").body
            #expect(exposition.contains("bulwark_ratelimit_lease_outstanding"))
            #expect(exposition.contains("bulwark_ratelimit_lease_fetches_total"))
        }
    }
}
