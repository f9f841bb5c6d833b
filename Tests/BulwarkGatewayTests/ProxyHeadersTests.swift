import BulwarkDemo
import Foundation
import Testing

@Suite("Proxying: headers, framing and limits", .timeLimit(.minutes(1)))
struct ProxyHeadersTests {
    static let yaml = """
    server:
      max_header_size: 4KiB
      max_body_size: 1KiB
    upstreams:
      app:
        targets: ["http://127.0.0.1:PORT0"]
    routes:
      - path_prefix: /api
        upstream: app
    """

    @Test("forwarded headers are set, hop-by-hop ones removed both ways, and the request id is returned")
    func forwardedHeaders() async throws {
        let seen = LastRequest()
        let app = try await DemoUpstream.start { request in
            seen.set(request)
            return DemoReply(body: "hello", headers: [("Connection", "X-Internal"), ("X-Internal", "secret"), ("X-App", "yes")])
        }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let response = try await gateway.get("/api/items?page=2", headers: [
                ("Connection", "close, X-Hop"), ("X-Hop", "drop me"), ("Keep-Alive", "timeout=5"),
                ("Proxy-Authorization", "Basic eA=="), ("X-Custom", "kept"),
            ])
            #expect(response.status == 200)
            #expect(response.body == "hello")
            #expect(response.header("X-App") == "yes")
            #expect(response.header("X-Internal") == nil)
            let requestID = try #require(response.header("X-Request-ID"))
            #expect(requestID.count == 32)
            let request = try #require(seen.request)
            #expect(request.uri == "/api/items?page=2")
            #expect(request.header("X-Custom") == "kept")
            #expect(request.header("X-Hop") == nil)
            #expect(request.header("Keep-Alive") == nil)
            #expect(request.header("Proxy-Authorization") == nil)
            #expect(request.header("X-Forwarded-For") == "127.0.0.1")
            #expect(request.header("X-Forwarded-Proto") == "http")
            #expect(request.header("X-Forwarded-Host") == "127.0.0.1:\(gateway.port)")
            #expect(request.header("X-Request-ID") == requestID)
        }
    }

    @Test("an incoming X-Request-ID is passed through and returned")
    func requestIDPassThrough() async throws {
        let seen = LastRequest()
        let app = try await DemoUpstream.start { request in
            seen.set(request)
            return DemoReply(body: "ok")
        }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let response = try await gateway.get("/api", headers: [("X-Request-ID", "trace-abc-123")])
            #expect(response.header("X-Request-ID") == "trace-abc-123")
            #expect(seen.request?.header("X-Request-ID") == "trace-abc-123")
        }
    }

    @Test("Content-Length with Transfer-Encoding is rejected with 400 before reaching the upstream")
    func ambiguousFraming() async throws {
        let hits = Counter()
        let app = try await DemoUpstream.start { _ in hits.next(); return DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let smuggle = "POST /api/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/admin HTTP/1.1\r\nHost: a\r\n\r\n"
            let response = try await RawHTTP.send(smuggle, port: gateway.port)
            #expect(response.status == 400)
            #expect(response.body.contains("\"status\":400"))
            #expect(hits.count == 0)
        }
    }

    @Test("no matching route is a 404 with a JSON body")
    func noRoute() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let response = try await gateway.get("/apiary")
            #expect(response.status == 404)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.body.contains("\"error\""))
        }
    }

    @Test("header fields over server.max_header_size get 431; a body over max_body_size gets 413")
    func sizeLimits() async throws {
        let hits = Counter()
        let app = try await DemoUpstream.start { _ in hits.next(); return DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let big = String(repeating: "a", count: 8 * 1024)
            let tooManyHeaders = try await gateway.get("/api", headers: [("X-Big", big)])
            #expect(tooManyHeaders.status == 431)
            let tooLarge = try await RawHTTP.request("POST", "/api", port: gateway.port, body: String(repeating: "b", count: 4096))
            #expect(tooLarge.status == 413)
            var chunked = "POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            for _ in 0..<4 { chunked += "400\r\n" + String(repeating: "c", count: 1024) + "\r\n" }
            chunked += "0\r\n\r\n"
            let tooLargeChunked = try await RawHTTP.send(chunked, port: gateway.port)
            #expect(tooLargeChunked.status == 413)
            let fine = try await RawHTTP.request("POST", "/api", port: gateway.port, body: "small")
            #expect(fine.status == 200)
        }
    }

    @Test("pipelined requests on one connection are answered in order")
    func pipelining() async throws {
        let app = try await DemoUpstream.start { request in
            DemoReply(body: "<\(request.uri)>", delay: request.uri == "/api/first" ? .milliseconds(150) : .zero)
        }
        try await GatewayHarness.with(yaml: Self.yaml, upstreams: [app]) { gateway async throws in
            let requests = "GET /api/first HTTP/1.1\r\nHost: a\r\n\r\nHEAD /api/second HTTP/1.1\r\nHost: a\r\n\r\nGET /api/third HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
            let bytes = try await RawHTTP.exchange(Array(requests.utf8), port: gateway.port, timeout: .seconds(10))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 4)
            let first = try #require(text.range(of: "</api/first>"))
            let third = try #require(text.range(of: "</api/third>"))
            #expect(first.upperBound <= third.lowerBound)
            #expect(!text.contains("</api/second>"))   // a HEAD response has no body
        }
    }
}
