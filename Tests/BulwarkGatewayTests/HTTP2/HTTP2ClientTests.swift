import BulwarkTestSupport
import BulwarkDemo
import Foundation
import Testing

/// HTTP/2 towards real clients: Debian's curl (`--http2` over TLS with ALPN, `--http2-prior-knowledge`
/// for h2c) and nghttp2's h2load, through the gateway to a plain HTTP/1.1 demo upstream.
@Suite(
    "HTTP/2 clients",
    .enabled(if: HTTP2ClientTools.shouldRun, "curl with HTTP/2 or h2load is missing (apt-get install curl nghttp2-client); under CI=true this fails"),
    .timeLimit(.minutes(1))
)
struct HTTP2ClientTests {
    @Test("curl --http2 over TLS negotiates h2 by ALPN; the upstream gets HTTP/1.1 with Host from :authority; response names arrive lowercase, without connection-specific fields")
    func alpnH2() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        let reply = DemoReply(body: "over h2", headers: [("X-Served-By", "demo"), ("Keep-Alive", "timeout=5")])
        try await HTTPSListenerTests.withListener(files.tlsYAML(["site"]), reply: reply) { gateway, seen in
            let result = try await HTTP2ClientTools.curl("https://localhost:\(gateway.port)/api/items?page=2", ["--http2", "--cacert", files.caPath])
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.output.hasPrefix("HTTP/2 200"), "\(result.output.prefix(200))")
            let response = try #require(result.response)
            #expect(response.body == "over h2")
            #expect(result.output.contains("\r\nx-served-by: demo\r\n"))
            #expect(!result.output.lowercased().contains("keep-alive:"))
            #expect(!result.output.lowercased().contains("\r\nconnection:"))
            let request = try #require(seen.request)
            #expect(request.uri == "/api/items?page=2")
            #expect(request.header("Host") == "localhost:\(gateway.port)")
            #expect(request.header("X-Forwarded-Proto") == "https")
        }
    }

    @Test("server.http2.enabled: false — ALPN offers only http/1.1, so curl --http2 speaks HTTP/1.1")
    func http2Disabled() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        let lines = files.tlsYAML(["site"]) + "\n  http2:\n    enabled: false"
        try await HTTPSListenerTests.withListener(lines) { gateway, _ in
            let result = try await HTTP2ClientTools.curl("https://localhost:\(gateway.port)/", ["--http2", "--cacert", files.caPath])
            #expect(result.status == 0, "\(result.errors)")
            #expect(result.output.hasPrefix("HTTP/1.1 200"), "\(result.output.prefix(200))")
        }
    }

    @Test("a 1 MiB POST body over h2 reaches the upstream intact, framed for HTTP/1.1")
    func requestBody() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        let body = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let bodyPath = files.directory + "/body.bin"
        try Data(body).write(to: URL(fileURLWithPath: bodyPath))
        try await HTTPSListenerTests.withListener(files.tlsYAML(["site"])) { gateway, seen in
            let result = try await HTTP2ClientTools.curl(
                "https://localhost:\(gateway.port)/upload", ["--http2", "--cacert", files.caPath, "--data-binary", "@\(bodyPath)", "-H", "Content-Type: application/octet-stream"]
            )
            #expect(result.output.hasPrefix("HTTP/2 200"), "\(result.output.prefix(200)) \(result.errors)")
            let request = try #require(seen.request)
            #expect(request.method == "POST")
            #expect(request.bodyBytes == body.count)
            #expect(request.bodyPrefix == Array(body.prefix(request.bodyPrefix.count)))
            #expect(request.header("Content-Length") == "\(body.count)")
        }
    }

    @Test("h2load over TLS: 1,000 requests as 100 streams over 10 connections all succeed, each one exchange at the upstream")
    func h2load() async throws {
        let files = try TLSFixture()
        defer { files.remove() }
        try files.server("site")
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        try await GatewayHarness.with(yaml: tlsGatewayYAML(files.tlsYAML(["site"])), upstreams: [app]) { gateway in
            let run = try await ToolRun.run(HTTP2ClientTools.h2load, ["-n", "1000", "-c", "10", "-m", "10", "https://127.0.0.1:\(gateway.port)/load"], timeout: .seconds(40))
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.contains("Application protocol: h2"), "\(run.output)")
            #expect(run.output.contains("requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, 0 failed"), "\(run.output)")
            #expect(run.output.contains("status codes: 1000 2xx"), "\(run.output)")
            #expect(app.requestCount == 1000)
            #expect(gateway.gateway.http2Connections == 10)
        }
    }

    @Test("h2c: curl --http2-prior-knowledge is served HTTP/2 on the plaintext listener, and HTTP/1.1 still works beside it")
    func h2cPriorKnowledge() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "plain h2") }
        let yaml = "server:\n  http2:\n    h2c: true\nupstreams:\n  app:\n    targets: [\"http://127.0.0.1:PORT0\"]\n"
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway in
            let h2 = try await HTTP2ClientTools.curl("http://127.0.0.1:\(gateway.port)/x", ["--http2-prior-knowledge"])
            #expect(h2.output.hasPrefix("HTTP/2 200"), "\(h2.output.prefix(200)) \(h2.errors)")
            #expect(h2.response?.body == "plain h2")
            let h1 = try await gateway.get("/y")
            #expect(h1.status == 200)
            #expect(h1.body == "plain h2")
        }
    }

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

/// The HTTP/2 clients the tests run.
enum HTTP2ClientTools {
    static let h2load = "/usr/bin/h2load"

    static let shouldRun: Bool = {
        let installed = FileManager.default.isExecutableFile(atPath: h2load) && FileManager.default.isExecutableFile(atPath: TLSClientTools.curl)
        if !installed && !RedisServer.isCI {
            FileHandle.standardError.write(Data("\n⚠️  SKIPPING HTTP/2 client tests: h2load or curl is not installed (apt-get install nghttp2-client curl). Under CI=true this fails.\n\n".utf8))
        }
        return installed || RedisServer.isCI
    }()

    /// `curl -i` with the protocol flags in `arguments` (no `--http1.1`), at most 10 s.
    static func curl(_ url: String, _ arguments: [String]) async throws -> CurlResult {
        let run = try await ToolRun.run(TLSClientTools.curl, ["-q", "-sS", "--noproxy", "*", "--max-time", "10", "-i"] + arguments + [url])
        let response = run.status == 0 ? try? RawHTTP.parse(Array(run.output.utf8)) : nil
        return CurlResult(status: run.status, response: response, output: run.output, errors: run.errors)
    }
}
