import BulwarkDemo
import NIOCore
import Testing

@Suite("Retries, timeouts and failover", .timeLimit(.minutes(1)))
struct RetryAndFailoverTests {
    static func yaml(_ extra: String = "", retry: String = "{ attempts: 3 }", timeout: String = "5s", targets: Int = 2) -> String {
        let list = (0..<targets).map { "\"http://127.0.0.1:PORT\($0)\"" }.joined(separator: ", ")
        return """
        upstreams:
          app:
            targets: [\(list)]
            timeout: \(timeout)
            retry: \(retry)
            outlier_detection: { enabled: false }
            circuit_breaker: { enabled: false }
        \(extra)
        """
    }

    @Test("a killed target: GETs are retried on the live one and all succeed")
    func killedTarget() async throws {
        let dead = try await DemoUpstream.start { _ in DemoReply(body: "dead") }
        let live = try await DemoUpstream.start { _ in DemoReply(body: "live") }
        await dead.stop()
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: [dead, live]) { gateway async throws in
            for _ in 0..<6 {
                let response = try await gateway.get("/anything")
                #expect(response.status == 200)
                #expect(response.body == "live")
            }
            #expect(live.requestCount == 6)
        }
    }

    @Test("a flaky target's 503 is retried for GET on the other target, never for POST")
    func flakyTarget() async throws {
        let flaky = try await DemoUpstream.start { _ in DemoReply(status: 503, body: "down") }
        let good = try await DemoUpstream.start { _ in DemoReply(body: "good") }
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: [flaky, good]) { gateway async throws in
            for _ in 0..<4 {
                #expect(try await gateway.get("/x").status == 200)
            }
            let flakyBeforePosts = flaky.requestCount
            let goodBeforePosts = good.requestCount
            var statuses: [Int] = []
            for _ in 0..<4 {
                statuses.append(try await RawHTTP.request("POST", "/x", port: gateway.port, body: "order=1").status)
            }
            // Each POST reached exactly one target once: no retries.
            #expect((flaky.requestCount - flakyBeforePosts) + (good.requestCount - goodBeforePosts) == 4)
            #expect(statuses.filter { $0 == 503 }.count == flaky.requestCount - flakyBeforePosts)
            #expect(statuses.contains(503))
        }
    }

    @Test("POST is retried only when listed in retry.methods")
    func postRetriedWhenConfigured() async throws {
        let flaky = try await DemoUpstream.start { _ in DemoReply(status: 502, body: "down") }
        let good = try await DemoUpstream.start { request in DemoReply(body: "got \(request.bodyBytes) bytes") }
        try await GatewayHarness.with(yaml: Self.yaml(retry: "{ attempts: 2, methods: [GET, POST] }"), upstreams: [flaky, good]) { gateway async throws in
            for _ in 0..<4 {
                let response = try await RawHTTP.request("POST", "/x", port: gateway.port, body: "order=1")
                #expect(response.status == 200)
                #expect(response.body == "got 7 bytes")   // the body was replayed whole
            }
        }
    }

    @Test("the last attempt's 5xx is passed through when retries run out")
    func exhaustedRetriesPassTheLastAnswer() async throws {
        let first = try await DemoUpstream.start { _ in DemoReply(status: 503, body: "first") }
        let second = try await DemoUpstream.start { _ in DemoReply(status: 503, body: "second") }
        try await GatewayHarness.with(yaml: Self.yaml(retry: "{ attempts: 2 }"), upstreams: [first, second]) { gateway async throws in
            let response = try await gateway.get("/x")
            #expect(response.status == 503)
            #expect(first.requestCount + second.requestCount == 2)
        }
    }

    @Test("a slow target hits the per-try timeout and the request is served by another")
    func slowTargetPerTryTimeout() async throws {
        let slow = try await DemoUpstream.start { _ in DemoReply(body: "slow", delay: .seconds(3)) }
        let fast = try await DemoUpstream.start { _ in DemoReply(body: "fast") }
        try await GatewayHarness.with(yaml: Self.yaml(retry: "{ attempts: 2, per_try_timeout: 200ms }"), upstreams: [slow, fast]) { gateway async throws in
            for _ in 0..<4 {
                let response = try await gateway.get("/x")
                #expect(response.status == 200)
                #expect(response.body == "fast")
            }
        }
    }

    @Test("the whole-request timeout answers 504 with a JSON body")
    func wholeRequestTimeout() async throws {
        let slow = try await DemoUpstream.start { _ in DemoReply(body: "slow", delay: .seconds(5)) }
        try await GatewayHarness.with(yaml: Self.yaml(timeout: "300ms", targets: 1), upstreams: [slow]) { gateway async throws in
            let response = try await gateway.get("/x")
            #expect(response.status == 504)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.body.contains("\"status\":504"))
        }
    }

    @Test("consecutive failures eject a target; traffic then goes to the others without retries")
    func outlierEjection() async throws {
        let failing = try await DemoUpstream.start { _ in DemoReply(status: 500, body: "broken") }
        let good = try await DemoUpstream.start { _ in DemoReply(body: "good") }
        let yaml = """
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0", "http://127.0.0.1:PORT1"]
            retry: { attempts: 1 }
            outlier_detection: { consecutive_failures: 2, base_ejection_time: 30s }
            circuit_breaker: { enabled: false }
        """
        try await GatewayHarness.with(yaml: yaml, upstreams: [failing, good]) { gateway async throws in
            var statuses: [Int] = []
            for _ in 0..<4 { statuses.append(try await gateway.get("/x").status) }
            #expect(statuses.filter { $0 == 500 }.count == 2)
            let target = gateway.gateway.upstreams[0].targets[0]
            #expect(target.isEjected(at: Int64(NIODeadline.now().uptimeNanoseconds)))
            let failingHits = failing.requestCount
            for _ in 0..<6 { #expect(try await gateway.get("/x").status == 200) }
            #expect(failing.requestCount == failingHits)
        }
    }

    @Test("with no available target the answer is 503 at once")
    func noHealthyTarget() async throws {
        let dead = try await DemoUpstream.start { _ in DemoReply(body: "x") }
        await dead.stop()
        let yaml = """
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0"]
            retry: { attempts: 1 }
            outlier_detection: { consecutive_failures: 1 }
        """
        try await GatewayHarness.with(yaml: yaml, upstreams: [dead]) { gateway async throws in
            let first = try await gateway.get("/x")
            #expect(first.status == 502)   // connect refused
            let second = try await gateway.get("/x")
            #expect(second.status == 503)
            #expect(second.body.contains("no healthy target"))
        }
    }
}
