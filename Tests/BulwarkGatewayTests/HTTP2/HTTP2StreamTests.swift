import BulwarkDemo
import Foundation
import Testing

/// HTTP/2 streams through the gateway, spoken by hand over h2c (``RawHTTP2``): no external tool needed.
@Suite("HTTP/2 streams", .timeLimit(.minutes(1)))
struct HTTP2StreamTests {
    @Test("without h2c (the default) the HTTP/2 preface is not an HTTP/1.1 request: 400, nothing forwarded")
    func h2cOffByDefault() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "x") }
        try await GatewayHarness.with(yaml: "upstreams:\n  app:\n    targets: [\"http://127.0.0.1:PORT0\"]\n", upstreams: [app]) { gateway in
            let connection = try await RawConnection(port: gateway.port)
            try await connection.send(RawHTTP2.preface + RawHTTP2.settings())
            let text = try await connection.wait { $0.contains("\r\n\r\n") }
            #expect(text.hasPrefix("HTTP/1.1 400"), "\(text.prefix(100))")
            #expect(app.requestCount == 0)
            await connection.close()
        }
    }

    @Test("each stream is one exchange through the route's rate limit: 5 streams against 3 per minute get three 200s and two 429s")
    func rateLimitPerStream() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let yaml = """
        server:
          http2:
            h2c: true
        upstreams:
          app:
            targets: ["http://127.0.0.1:PORT0"]
        rate_limits:
          tight: { requests: 3, per: 1m }
        routes:
          - path_prefix: /
            upstream: app
            rate_limits: [tight]
        """
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway in
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            let streams = (0..<5).map { UInt32(1 + 2 * $0) }
            try await connection.send(streams.flatMap { RawHTTP2.headers(stream: $0, RawHTTP2.requestBlock(path: "/r"), endStream: true) })
            await connection.wait { frames in frames.filter { $0.stream != 0 && $0.endStream }.count >= 5 }
            let statuses = try connection.statuses()
            #expect(streams.compactMap { statuses[$0] }.sorted() == [200, 200, 200, 429, 429], "\(statuses)")
            #expect(app.requestCount == 3)
            await connection.close()
        }
    }

    @Test("cookies an HTTP/2 client splits into several fields reach the HTTP/1.1 upstream as one Cookie field (RFC 9113 §8.2.3)")
    func cookiesJoined() async throws {
        let seen = LastRequest()
        let app = try await DemoUpstream.start { request in
            seen.set(request)
            return DemoReply(body: "ok")
        }
        let yaml = "server:\n  http2:\n    h2c: true\nupstreams:\n  app:\n    targets: [\"http://127.0.0.1:PORT0\"]\n"
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway in
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            let block = RawHTTP2.requestBlock(path: "/c", [("cookie", "a=1"), ("cookie", "b=2"), ("cookie", "c=3")])
            try await connection.send(RawHTTP2.headers(stream: 1, block, endStream: true))
            await connection.wait { frames in frames.contains { $0.stream == 1 && $0.endStream } }
            let request = try #require(seen.request)
            #expect(request.headers.filter { $0.name.lowercased() == "cookie" }.map(\.value) == ["a=1; b=2; c=3"])
            await connection.close()
        }
    }

    @Test("server-sent events over HTTP/2 arrive one event at a time: the first is delivered while the upstream still has four to send")
    func serverSentEvents() async throws {
        let upstream = try await EventStreamUpstream.start(contentType: "text/event-stream", events: EventStreamUpstream.sse(count: 5, every: .milliseconds(300)))
        let yaml = "server:\n  http2:\n    h2c: true\nupstreams:\n  app:\n    targets: [\"http://127.0.0.1:\(upstream.port)\"]\n"
        try await GatewayHarness.with(yaml: yaml) { gateway in
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            try await connection.send(RawHTTP2.headers(stream: 1, RawHTTP2.requestBlock(path: "/events"), endStream: true))
            // The first event is delivered while the upstream still has four to send.
            let first = await connection.wait { frames in frames.contains { $0.kind == .data && $0.stream == 1 && !$0.payload.isEmpty } }
            #expect(!first.contains { $0.stream == 1 && $0.endStream })
            let all = await connection.wait { frames in frames.contains { $0.stream == 1 && $0.endStream } }
            let events = all.filter { $0.kind == .data && $0.stream == 1 && !$0.payload.isEmpty }.map { String(decoding: $0.payload, as: UTF8.self) }
            #expect(events.joined() == (0..<5).map { "data: tick\($0)\n\n" }.joined())
            #expect(events.count >= 5, "\(events)")
            await connection.close()
        }
        await upstream.stop()
    }
}
