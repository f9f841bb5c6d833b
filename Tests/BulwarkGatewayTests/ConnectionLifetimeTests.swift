@testable import BulwarkGateway
import BulwarkDemo
import Testing

/// Closed connections must be freed: a reference cycle between a handler and its connection (or its
/// channel context) leaks memory on every connection, which only shows after hours of traffic.
@Suite("Connection lifetime", .timeLimit(.minutes(1)), .serialized)
struct ConnectionLifetimeTests {
    @Test("closed client and upstream connections are freed, not kept by reference cycles")
    func closedConnectionsAreFreed() async throws {
        // The upstream asks to close after every response, so each request opens a new upstream
        // connection; every RawHTTP request is a new client connection, closed after its response.
        let upstream = try await DemoUpstream.start { _ in DemoReply(body: "ok", headers: [("Connection", "close")]) }
        let requests = 60
        try await GatewayHarness.with(yaml: """
            upstreams:
              app:
                targets: ["http://127.0.0.1:PORT0"]
            """, upstreams: [upstream]) { gateway async throws in
            let upstreamBefore = UpstreamConnection.live.load(ordering: .relaxed)
            let clientsBefore = ProxyServerHandler.live.load(ordering: .relaxed)
            for _ in 0..<requests {
                #expect(try await gateway.get("/x").status == 200)
            }
            #expect(upstream.requestCount == requests)
            // Closing finishes on the event loops shortly after the responses; wait for it, bounded.
            let freed = try await eventually(within: .seconds(10)) {
                UpstreamConnection.live.load(ordering: .relaxed) - upstreamBefore <= 2
                    && ProxyServerHandler.live.load(ordering: .relaxed) - clientsBefore <= 2
            }
            #expect(freed, "still alive: \(UpstreamConnection.live.load(ordering: .relaxed) - upstreamBefore) upstream connections, \(ProxyServerHandler.live.load(ordering: .relaxed) - clientsBefore) client handlers after \(requests) closed requests")
        }
    }
}
