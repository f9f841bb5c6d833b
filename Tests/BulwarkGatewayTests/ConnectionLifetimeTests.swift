@testable import BulwarkGateway
import BulwarkDemo
import Synchronization
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
        let instances = LiveInstances()
        try await GatewayHarness.with(yaml: """
            upstreams:
              app:
                targets: ["http://127.0.0.1:PORT0"]
            """, upstreams: [upstream], instanceObserver: instances) { gateway async throws in
            for _ in 0..<requests {
                #expect(try await gateway.get("/x").status == 200)
            }
            #expect(upstream.requestCount == requests)
            // Closing finishes on the event loops shortly after the responses; wait for it, bounded.
            let freed = try await eventually(within: .seconds(10)) {
                instances.alive(.upstreamConnection) <= 2 && instances.alive(.clientConnection) <= 2
            }
            #expect(instances.createdCount(.clientConnection) >= requests, "the observer saw \(instances.createdCount(.clientConnection)) client connections")
            #expect(freed, "still alive: \(instances.alive(.upstreamConnection)) upstream connections, \(instances.alive(.clientConnection)) client handlers after \(requests) closed requests")
        }
    }
}

/// Counts the gateway's connection objects through the injected ``InstanceObserver``.
final class LiveInstances: InstanceObserver {
    private let counts = Mutex<[ProxyInstanceKind: (created: Int, freed: Int)]>([:])

    func created(_ kind: ProxyInstanceKind) { counts.withLock { $0[kind, default: (0, 0)].created += 1 } }
    func freed(_ kind: ProxyInstanceKind) { counts.withLock { $0[kind, default: (0, 0)].freed += 1 } }

    func createdCount(_ kind: ProxyInstanceKind) -> Int { counts.withLock { $0[kind]?.created ?? 0 } }
    func alive(_ kind: ProxyInstanceKind) -> Int { counts.withLock { ($0[kind]?.created ?? 0) - ($0[kind]?.freed ?? 0) } }
}
