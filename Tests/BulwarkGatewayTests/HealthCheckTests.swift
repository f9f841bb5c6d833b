import BulwarkDemo
import Synchronization
import Testing

@Suite("Active health checks", .timeLimit(.minutes(1)))
struct HealthCheckTests {
    @Test("a target failing its health check stops receiving traffic, and gets it back when it passes again")
    func failingHealthCheck() async throws {
        let healthy = Atomic<Bool>(false)
        let appHits = Counter()
        let sick = try await DemoUpstream.start { request in
            if request.uri == "/health" { return DemoReply(status: healthy.load(ordering: .relaxed) ? 200 : 503) }
            appHits.next()
            return DemoReply(body: "sick")
        }
        let fine = try await DemoUpstream.start { _ in DemoReply(body: "fine") }
        let yaml = """
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0", "http://127.0.0.1:PORT1"]
            health_check: { path: /health, interval: 50ms, timeout: 500ms, healthy_threshold: 2, unhealthy_threshold: 2 }
        """
        try await GatewayHarness.with(yaml: yaml, upstreams: [sick, fine]) { gateway async throws in
            let target = gateway.gateway.upstreams[0].targets[0]
            #expect(try await eventually { !target.isActivelyHealthy })
            #expect(target.lastProbe?.detail == "status 503")
            #expect(gateway.gateway.upstreams[0].targets[1].isActivelyHealthy)
            let before = appHits.count
            for _ in 0..<6 {
                let response = try await gateway.get("/x")
                #expect(response.body == "fine")
            }
            #expect(appHits.count == before)
            healthy.store(true, ordering: .relaxed)
            #expect(try await eventually { target.isActivelyHealthy })
            var bodies: Set<String> = []
            for _ in 0..<4 { bodies.insert(try await gateway.get("/x").body) }
            #expect(bodies == ["sick", "fine"])
        }
    }

    @Test("when every target fails its health check, requests get 503 at once")
    func allUnhealthy() async throws {
        let sick = try await DemoUpstream.start { request in
            request.uri == "/health" ? DemoReply(status: 500) : DemoReply(body: "should not be reached")
        }
        let yaml = """
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0"]
            health_check: { path: /health, interval: 50ms, unhealthy_threshold: 1 }
        """
        try await GatewayHarness.with(yaml: yaml, upstreams: [sick]) { gateway async throws in
            let target = gateway.gateway.upstreams[0].targets[0]
            #expect(try await eventually { !target.isActivelyHealthy })
            let response = try await gateway.get("/x")
            #expect(response.status == 503)
            #expect(response.body.contains("no healthy target"))
        }
    }
}
