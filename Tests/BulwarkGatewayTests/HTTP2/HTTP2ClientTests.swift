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
