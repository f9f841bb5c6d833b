import BulwarkConfig
import CoreMetrics
@testable import BulwarkGateway
import NIOHTTP1
import Testing

@Suite("Request handling pieces", .timeLimit(.minutes(1)))
struct RequestHandlingUnitTests {
    static func resolver(_ ranges: [String]) -> ClientAddressResolver {
        ClientAddressResolver(trustedProxies: ranges.map { try! AddressRange.parse($0).get() })
    }

    @Test("X-Forwarded-For is ignored unless the peer is a trusted proxy")
    func untrustedPeer() {
        let resolver = Self.resolver(["10.0.0.0/8"])
        #expect(resolver.clientAddress(peer: "198.51.100.4", forwardedFor: ["1.2.3.4"]) == "198.51.100.4")
        #expect(resolver.clientAddress(peer: "10.1.2.3", forwardedFor: ["1.2.3.4"]) == "1.2.3.4")
        #expect(Self.resolver([]).clientAddress(peer: "10.1.2.3", forwardedFor: ["1.2.3.4"]) == "10.1.2.3")
    }

    @Test("the rightmost untrusted hop is the client; garbage stops the walk")
    func forwardedChain() {
        let resolver = Self.resolver(["10.0.0.0/8", "fd00::/8"])
        #expect(resolver.clientAddress(peer: "10.0.0.1", forwardedFor: ["6.6.6.6, 7.7.7.7, 10.9.9.9"]) == "7.7.7.7")
        #expect(resolver.clientAddress(peer: "10.0.0.1", forwardedFor: ["6.6.6.6", "10.9.9.9"]) == "6.6.6.6")
        #expect(resolver.clientAddress(peer: "10.0.0.1", forwardedFor: ["not-an-ip, 10.9.9.9"]) == "10.9.9.9")
        #expect(resolver.clientAddress(peer: "fd00::1", forwardedFor: ["2001:db8::5"]) == "2001:db8::5")
        #expect(resolver.clientAddress(peer: "10.0.0.1", forwardedFor: ["10.2.2.2"]) == "10.2.2.2")
    }

    @Test("hop-by-hop fields and those named in Connection are stripped")
    func hopByHop() {
        var headers = HTTPHeaders([
            ("Connection", "keep-alive, X-Trace"), ("X-Trace", "1"), ("Keep-Alive", "timeout=5"),
            ("Transfer-Encoding", "chunked"), ("Upgrade", "websocket"), ("TE", "trailers"),
            ("Proxy-Authorization", "x"), ("Accept", "*/*"),
        ])
        HopByHopHeaders.strip(&headers)
        #expect(headers.map(\.name) == ["Accept"])
    }

    @Test("routes match by prefix on segment boundaries, first match wins, methods filter")
    func routing() throws {
        let configuration = try BulwarkConfiguration.parse(yaml: """
        upstreams:
          app: { targets: ["http://127.0.0.1:1"] }
        routes:
          - { path_prefix: /api/auth/login, methods: [POST], upstream: app }
          - { path_prefix: /api, upstream: app }
          - { path_prefix: /, upstream: app }
        """)
        let runtime = try GatewayRuntime(configuration: configuration, eventLoops: [], rateLimitBackend: .memory(.init()), metricsFactory: NOOPMetricsHandler.instance, logger: .init(label: "t"))
        let router = runtime.router
        #expect(router.route(method: .POST, uri: "/api/auth/login?x=1")?.index == 0)
        #expect(router.route(method: .GET, uri: "/api/auth/login")?.index == 1)
        #expect(router.route(method: .GET, uri: "/api")?.index == 1)
        #expect(router.route(method: .GET, uri: "/apiary")?.index == 2)
        #expect(router.route(method: .GET, uri: "/api/v1/items")?.index == 1)
    }

    @Test("the error body is JSON with escaped strings")
    func errorBody() {
        let (head, body) = GatewayResponses.error(.badGateway, message: "say \"hi\"\n", requestID: "r1", allocator: .init())
        #expect(head.status == .badGateway)
        #expect(String(buffer: body) == "{\"error\":\"say \\\"hi\\\"\\n\",\"status\":502,\"request_id\":\"r1\"}\n")
        #expect(head.headers["Content-Length"].first == "\(body.readableBytes)")
    }
}
