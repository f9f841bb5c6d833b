@testable import BulwarkGateway
import NIOCore
import Testing

/// The client-connection handler in the gateway's own pipeline on an `EmbeddedChannel`, with in-memory
/// upstreams: no sockets, and time only moves when a test advances the embedded loop.
@Suite("Client connection handler on an EmbeddedChannel", .timeLimit(.minutes(1)))
struct ProxyServerHandlerTests {
    static let yaml = """
    upstreams:
      app:
        targets: ["http://127.0.0.1:9"]
        retry: { attempts: 1 }
    routes:
      - { path_prefix: /api, upstream: app }
    """

    static func ok(_ body: String) -> String {
        "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// The status codes of the responses in `text`, in order.
    static func statuses(_ text: String) -> [Int] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) }
    }

    @Test("pipelined requests are sent upstream one at a time and answered in order")
    func pipelinedInOrder() throws {
        let gateway = try EmbeddedGateway(yaml: Self.yaml)
        defer { gateway.shutdown() }
        try gateway.send(
            "GET /api/one HTTP/1.1\r\nHost: a\r\n\r\n" + "GET /api/two HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n" + "GET /api/three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        )
        // Only the first request is upstream while its response is awaited.
        #expect(gateway.upstreamRequests.joined().components(separatedBy: "GET /api/").count - 1 == 1)
        #expect(gateway.received.isEmpty)

        #expect(try gateway.answerUpstream(Self.ok("one")))
        #expect(gateway.upstreamRequests.joined().contains("GET /api/two "))
        #expect(!gateway.upstreamRequests.joined().contains("GET /api/three "))
        #expect(try gateway.answerUpstream(Self.ok("two")))
        // /nowhere is answered locally, then /api/three goes upstream.
        #expect(gateway.upstreamRequests.joined().contains("GET /api/three "))
        #expect(try gateway.answerUpstream(Self.ok("three")))

        let received = gateway.received
        #expect(Self.statuses(received) == [200, 200, 404, 200])
        let one = try #require(received.range(of: "\r\n\r\none"))
        let two = try #require(received.range(of: "\r\n\r\ntwo"))
        let three = try #require(received.range(of: "\r\n\r\nthree"))
        #expect(one.lowerBound < two.lowerBound && two.lowerBound < three.lowerBound)
        #expect(received.lowercased().contains("connection: close"))
        #expect(gateway.isClosed)
    }

    @Test("thousands of pipelined requests answered locally are answered in order, in one loop")
    func manyLocalAnswers() throws {
        let gateway = try EmbeddedGateway(yaml: Self.yaml)
        defer { gateway.shutdown() }
        let count = 5_000
        try gateway.send(
            "GET /api/first HTTP/1.1\r\nHost: a\r\n\r\n" + String(repeating: "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n", count: count)
        )
        #expect(try gateway.answerUpstream(Self.ok("first")))
        let statuses = Self.statuses(gateway.received)
        #expect(statuses.count == count + 1)
        #expect(statuses.first == 200)
        #expect(statuses.dropFirst().allSatisfy { $0 == 404 })
        #expect(!gateway.isClosed)
    }

    @Test("a body that stalls gets 408 once server.body_idle_timeout passes on the loop's clock")
    func bodyStall() throws {
        let gateway = try EmbeddedGateway(yaml: Self.yaml) { $0.server.bodyIdleTimeout = .seconds(5) }
        defer { gateway.shutdown() }
        try gateway.send("POST /api/upload HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        #expect(gateway.upstreamRequests.joined().contains("POST /api/upload "))
        gateway.advance(by: .milliseconds(4_999))
        #expect(gateway.received.isEmpty)
        #expect(!gateway.isClosed)
        gateway.advance(by: .milliseconds(1))
        #expect(gateway.received.hasPrefix("HTTP/1.1 408"))
        #expect(gateway.isClosed)
    }

    @Test("body bytes that keep coming are not a stall")
    func movingBodyIsNotAStall() throws {
        let gateway = try EmbeddedGateway(yaml: Self.yaml) { $0.server.bodyIdleTimeout = .seconds(5) }
        defer { gateway.shutdown() }
        try gateway.send("POST /api/upload HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nab")
        gateway.advance(by: .seconds(4))
        try gateway.send("cd")
        gateway.advance(by: .seconds(4))
        try gateway.send("ef")
        #expect(try gateway.answerUpstream(Self.ok("stored")))
        #expect(gateway.received.hasPrefix("HTTP/1.1 200"))
        #expect(!gateway.isClosed)
    }

    @Test("an idle connection closes after server.idle_timeout, counted from its last response")
    func idleTimeout() throws {
        let gateway = try EmbeddedGateway(yaml: Self.yaml) { $0.server.idleTimeout = .seconds(10) }
        defer { gateway.shutdown() }
        gateway.advance(by: .seconds(8))
        try gateway.send("GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(Self.statuses(gateway.received) == [404])
        gateway.advance(by: .seconds(9))
        #expect(!gateway.isClosed)
        gateway.advance(by: .seconds(1))
        #expect(gateway.isClosed)
    }

    @Test("a head timeout while idle answers 408 and closes; quiescing an idle connection closes it")
    func headTimeoutAndQuiesce() throws {
        let slow = try EmbeddedGateway(yaml: Self.yaml)
        defer { slow.shutdown() }
        try slow.send("GET /api/x HTTP/1.1\r\nHost: a\r\n")
        slow.fire(RequestHeadTimer.RequestHeadTimedOut())
        #expect(slow.received.hasPrefix("HTTP/1.1 408"))
        #expect(slow.isClosed)

        let idle = try EmbeddedGateway(yaml: Self.yaml)
        defer { idle.shutdown() }
        idle.fire(ChannelShouldQuiesceEvent())
        #expect(idle.isClosed)
        #expect(idle.received.isEmpty)
    }

    @Test("broken bytes after a complete request: it is answered with Connection: close, nothing after it is served")
    func errorAfterCompleteRequest() throws {
        let gateway = try EmbeddedGateway(yaml: Self.yaml)
        defer { gateway.shutdown() }
        try? gateway.send("GET /api/first HTTP/1.1\r\nHost: a\r\n\r\nGET /api/second HTTP/1.1\r\nHost: a\r\n\r\n\u{1}BROKEN\r\n\r\n")
        #expect(try gateway.answerUpstream(Self.ok("first")))
        let received = gateway.received
        #expect(Self.statuses(received) == [200])
        #expect(received.lowercased().contains("connection: close"))
        #expect(!gateway.upstreamRequests.joined().contains("/api/second"))
        #expect(gateway.isClosed)
    }
}
