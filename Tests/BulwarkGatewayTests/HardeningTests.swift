import BulwarkConfig
import BulwarkDemo
@testable import BulwarkGateway
import Foundation
import Synchronization
import Testing

/// Issue 12's findings, each tried against a live gateway on a loopback port the way an attacker would.
@Suite("Gateway hardening: the findings, tried live", .timeLimit(.minutes(1)))
struct HardeningTests {
    static let yaml = """
    upstreams:
      app:
        targets: ["http://127.0.0.1:PORT0"]
        retry: { attempts: 1 }
    rate_limits:
      auth: { requests: 1, per: 1m }
    routes:
      - { path_prefix: /api/auth/login, upstream: app, rate_limits: [auth] }
      - { path_prefix: /api, upstream: app }
    """

    /// Every request an upstream got.
    final class Seen: Sendable {
        private let requests = Mutex<[DemoRequest]>([])
        func append(_ request: DemoRequest) { requests.withLock { $0.append(request) } }
        func withLock<T>(_ body: ([DemoRequest]) -> T) -> T { requests.withLock { body($0) } }
    }

    /// An upstream that records the target and body size of every request it gets.
    static func recordingApp() async throws -> (DemoUpstream, Seen) {
        let seen = Seen()
        let app = try await DemoUpstream.start { request in
            seen.append(request)
            return DemoReply(body: "ok")
        }
        return (app, seen)
    }

    @Test("Connection: content-length cannot turn a body into a second, unrouted request")
    func connectionSmuggling() async throws {
        let (app, seen) = try await Self.recordingApp()
        let smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let connection = try await RawConnection(port: gateway.port)
            try await connection.send("GET /api/x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, content-length\r\nContent-Length: \(smuggled.utf8.count)\r\n\r\n\(smuggled)")
            try await connection.wait { $0.contains("\r\n\r\nok") }
            // A second request on the same client connection reuses the pooled upstream connection.
            try await connection.send("GET /api/y HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(try await connection.waitForClose())
            await connection.close()
        }
        let requests = seen.withLock { $0 }
        #expect(requests.map(\.uri) == ["/api/x", "/api/y"])
        #expect(requests.first?.bodyBytes == smuggled.utf8.count)
    }

    @Test("TRACE with a body gets 400 and never reaches the upstream")
    func traceWithBody() async throws {
        let (app, seen) = try await Self.recordingApp()
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let response = try await RawHTTP.send("TRACE /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 34\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", port: gateway.port)
            #expect(response.status == 400)
        }
        #expect(seen.withLock { $0.isEmpty })
    }

    @Test("thirty thousand pipelined requests answered locally are answered in a loop, not a recursion")
    func pipelinedLocalAnswers() async throws {
        let (app, _) = try await Self.recordingApp()
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let count = 30_000
            var text = "GET /api/first HTTP/1.1\r\nHost: a\r\n\r\n"
            text += String(repeating: "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n", count: count)
            text += "GET /nowhere HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
            let connection = try await RawConnection(port: gateway.port)
            try await connection.send(text)
            #expect(try await connection.waitForClose(timeout: .seconds(45)))
            let answers = connection.text
            #expect(answers.occurrences(of: "HTTP/1.1 404") == count + 1)
            #expect(answers.occurrences(of: "HTTP/1.1 200") == 1)
            await connection.close()
        }
    }

    @Test("more than server.max_header_count fields get 431; a Connection with too many options gets 400")
    func headerCountAndConnectionOptions() async throws {
        let (app, seen) = try await Self.recordingApp()
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let fields = (0..<150).map { "X-\($0): v\r\n" }.joined()
            let many = try await RawHTTP.send("GET /api/x HTTP/1.1\r\nHost: a\r\n\(fields)\r\n", port: gateway.port)
            #expect(many.status == 431)
            let options = (0..<2_000).map { "x-\($0)" }.joined(separator: ",")
            let tokens = try await RawHTTP.send("GET /api/x HTTP/1.1\r\nHost: a\r\nConnection: \(options)\r\n\r\n", port: gateway.port)
            #expect(tokens.status == 400)
        }
        #expect(seen.withLock { $0.isEmpty })
    }

    @Test("an early answer with a large unread body closes; with a small one the connection is kept and the rest dropped")
    func earlyAnswerDiscardLimit() async throws {
        let (app, seen) = try await Self.recordingApp()
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let large = try await RawConnection(port: gateway.port)
            try await large.send("POST /nowhere HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n" + String(repeating: "x", count: 1000))
            #expect(try await large.waitForClose())
            #expect(large.text.hasPrefix("HTTP/1.1 404"))
            await large.close()

            let small = try await RawConnection(port: gateway.port)
            try await small.send("POST /nowhere HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n")
            try await small.wait { $0.contains("\r\n\r\n{") }
            #expect(small.text.hasPrefix("HTTP/1.1 404"))
            try await small.send(String(repeating: "y", count: 100) + "GET /api/after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(try await small.waitForClose())
            #expect(small.text.contains("HTTP/1.1 200"))
            await small.close()
        }
        #expect(seen.withLock { $0.map(\.uri) } == ["/api/after"])
    }

    @Test("a request head that never ends gets 408 after server.header_timeout and is closed")
    func headerTimeout() async throws {
        let (app, seen) = try await Self.recordingApp()
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app], configure: { $0.server.headerTimeout = .milliseconds(300) }) { gateway async throws in
            let connection = try await RawConnection(port: gateway.port)
            try await connection.send("GET /api/x HTTP/1.1\r\nHost: a\r\n")
            #expect(try await connection.waitForClose())
            #expect(connection.text.hasPrefix("HTTP/1.1 408"))
            await connection.close()
            // An idle keep-alive connection is not a slow head: it gets no 408.
            let idle = try await RawConnection(port: gateway.port)
            try await idle.send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n")
            try await idle.wait(timeout: .seconds(1)) { _ in false }
            #expect(!idle.closed)
            #expect(!idle.text.contains("408"))
            await idle.close()
        }
        #expect(seen.withLock { $0.count } == 1)
    }

    @Test("a request body that stalls gets 408 after server.body_idle_timeout")
    func bodyIdleTimeout() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app], configure: { $0.server.bodyIdleTimeout = .milliseconds(300) }) { gateway async throws in
            let connection = try await RawConnection(port: gateway.port)
            try await connection.send("POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
            #expect(try await connection.waitForClose())
            #expect(connection.text.hasPrefix("HTTP/1.1 408"))
            await connection.close()
            // A body answered early and then abandoned does not hold the connection open either.
            let abandoned = try await RawConnection(port: gateway.port)
            try await abandoned.send("POST /nowhere HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
            #expect(try await abandoned.waitForClose())
            #expect(abandoned.text.hasPrefix("HTTP/1.1 404"))
            await abandoned.close()
        }
    }

    @Test("connections beyond server.max_connections are closed at once and counted")
    func maxConnections() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app], configure: { $0.server.maxConnections = 2 }) { gateway async throws in
            let first = try await RawConnection(port: gateway.port)
            let second = try await RawConnection(port: gateway.port)
            try await first.send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n")
            try await second.send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n")
            try await first.wait { $0.contains("\r\n\r\nok") }
            try await second.wait { $0.contains("\r\n\r\nok") }
            let third = try await RawConnection(port: gateway.port)
            try? await third.send("GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try await third.waitForClose())
            #expect(third.bytes.isEmpty)
            #expect(gateway.gateway.telemetry.connectionsRejected == 1)
            await first.close()
            await second.close()
            await third.close()
            // Once one closes, a new connection is served again.
            #expect(try await eventually { (try? await gateway.get("/api/x"))?.status == 200 })
        }
    }

    @Test("every spelling of a limited path is limited; escapes get 400", arguments: [
        "//api/auth/login", "/x/../api/auth/login", "/api/auth/%6cogin", "/api/./auth//login", "/API/../api/auth/login/",
    ])
    func pathSpellings(spelling: String) async throws {
        let (app, seen) = try await Self.recordingApp()
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            #expect(try await gateway.get("/api/auth/login").status == 200)
            #expect(try await gateway.get(spelling).status == 429)
            #expect(try await gateway.get("/api/auth%2Flogin").status == 400)
            #expect(try await gateway.get("/api/../../etc/passwd").status == 400)
        }
        #expect(seen.withLock { $0.map(\.uri) } == ["/api/auth/login"])
    }

    @Test("forwarding and identity headers from a client are replaced, never passed through")
    func trustBoundary() async throws {
        let (app, seen) = try await Self.recordingApp()
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let response = try await gateway.get("/api/x", headers: [
                ("X-Real-IP", "6.6.6.6"), ("Forwarded", "for=6.6.6.6"), ("X-Original-URL", "/admin"), ("X-Rewrite-URL", "/admin"),
                ("X-Forwarded-Port", "443"), ("X-Forwarded-Prefix", "/evil"), ("X-Forwarded-For", "6.6.6.6"),
                ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.example"),
            ])
            #expect(response.status == 200)
        }
        let request = try #require(seen.withLock { $0.first })
        for name in ["Forwarded", "X-Original-URL", "X-Rewrite-URL", "X-Forwarded-Port", "X-Forwarded-Prefix"] {
            #expect(request.header(name) == nil, "\(name) crossed the trust boundary")
        }
        #expect(request.header("X-Real-IP") == "127.0.0.1")
        #expect(request.header("X-Forwarded-For") == "127.0.0.1")
        #expect(request.header("X-Forwarded-Proto") == "http")
        #expect(request.header("X-Forwarded-Host")?.hasPrefix("127.0.0.1:") == true)
    }
}
