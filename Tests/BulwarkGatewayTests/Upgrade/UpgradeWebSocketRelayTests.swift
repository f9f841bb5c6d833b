import BulwarkDemo
import BulwarkGateway
import BulwarkTestSupport
import Foundation
import Testing

/// Upgrades through a real gateway: a real WebSocket echo server and client (Python `websockets`).
@Suite("WebSocket upgrades through the gateway", .serialized, .timeLimit(.minutes(2)), .enabled(if: PythonWebSockets.shouldRun, "python websockets is missing"))
struct UpgradeWebSocketRelayTests {
    /// Runs `body` with an echo server behind a gateway whose route carries `routeExtra` (YAML flow keys).
    func withRelay(_ routeExtra: String = "", _ body: (WebSocketEchoServer, GatewayHarness) async throws -> Void) async throws {
        let server = try await WebSocketEchoServer.start()
        defer { server.stop() }
        let yaml = """
        upstreams:
          ws:
            targets: ["http://127.0.0.1:\(server.port)"]
        routes:
          - { path_prefix: /, upstream: ws\(routeExtra) }
        """
        try await GatewayHarness.with(yaml: yaml) { gateway in try await body(server, gateway) }
    }

    @Test("text, binary and a 16 MiB message both ways, ping/pong, and the target's close code reach the client")
    func echo() async throws {
        try await withRelay { server, gateway in
            let (status, output) = try await PythonWebSockets.runClient(["ws://127.0.0.1:\(gateway.port)/chat", "echo"])
            #expect(status == 0, "\(output)")
            for line in ["open", "text True", "binary True", "big True", "pong True"] {
                #expect(output.contains(line + "\n"), "missing \(line): \(output)")
            }
            #expect(output.contains("closed code=4001"), "\(output)")
            #expect(try await eventually { gateway.gateway.telemetry.upgradedConnections == 0 })
            #expect(try await eventually { server.log.contains("ended 4001") }, "\(server.log)")
        }
    }

    @Test("a client's close code reaches the target")
    func clientCloseCode() async throws {
        try await withRelay { server, gateway in
            let (status, output) = try await PythonWebSockets.runClient(["ws://127.0.0.1:\(gateway.port)/x", "client-close"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("client closed 4002"), "\(output)")
            #expect(try await eventually { server.log.contains("ended 4002") }, "\(server.log)")
        }
    }

    @Test("a target that dies mid-stream closes the client at once")
    func targetDies() async throws {
        try await withRelay { _, gateway in
            let (status, output) = try await PythonWebSockets.runClient(["ws://127.0.0.1:\(gateway.port)/", "die"])
            #expect(status == 0, "\(output)")
            let after = output.split(separator: "\n").first { $0.hasPrefix("closed") }.flatMap { $0.split(separator: "=").last }.flatMap { Double($0) }
            #expect(after != nil && after! < 2, "\(output)")
            #expect(try await eventually { gateway.gateway.telemetry.upgradedConnections == 0 })
        }
    }

    @Test("a client that vanishes closes the target side")
    func clientVanishes() async throws {
        try await withRelay { server, gateway in
            let (_, output) = try await PythonWebSockets.runClient(["ws://127.0.0.1:\(gateway.port)/", "vanish"])
            #expect(output.contains("text True"), "\(output)")
            #expect(try await eventually { server.log.contains { $0.hasPrefix("ended") } }, "\(server.log)")
            #expect(try await eventually { gateway.gateway.telemetry.upgradedConnections == 0 })
        }
    }

    @Test("an upgraded connection idle for routes[].websocket.idle_timeout is closed")
    func idleTimeout() async throws {
        try await withRelay(", websocket: { idle_timeout: 300ms }") { server, gateway in
            let (status, output) = try await PythonWebSockets.runClient(["ws://127.0.0.1:\(gateway.port)/", "idle"])
            #expect(status == 0, "\(output)")
            let after = output.split(separator: "\n").first { $0.hasPrefix("closed") }.flatMap { $0.split(separator: "=").last }.flatMap { Double($0) }
            #expect(after != nil && after! >= 0.25 && after! < 5, "\(output)")
            #expect(try await eventually { server.log.contains { $0.hasPrefix("ended") } }, "\(server.log)")
        }
    }

    @Test("on drain an upgraded connection gets server.drain_timeout and is then closed")
    func drain() async throws {
        let server = try await WebSocketEchoServer.start()
        defer { server.stop() }
        let yaml = """
        server: { drain_timeout: 400ms }
        upstreams:
          ws: { targets: ["http://127.0.0.1:\(server.port)"] }
        """
        var client: Task<(status: Int32, output: String), any Error>?
        try await GatewayHarness.with(yaml: yaml) { gateway async throws in
            let port = gateway.port
            client = Task { try await PythonWebSockets.runClient(["ws://127.0.0.1:\(port)/", "idle"]) }
            #expect(try await eventually { gateway.gateway.telemetry.upgradedConnections == 1 })
        }   // returning cancels the gateway: it drains
        let (status, output) = try #require(try await client?.value)
        #expect(status == 0, "\(output)")
        let after = output.split(separator: "\n").first { $0.hasPrefix("closed") }.flatMap { $0.split(separator: "=").last }.flatMap { Double($0) }
        #expect(after != nil && after! < 5, "\(output)")
    }

    @Test("an upgrade the route does not list is dropped: the request is served as HTTP/1.1")
    func notListed() async throws {
        try await withRelay(", upgrades: []") { _, gateway in
            let (status, output) = try await PythonWebSockets.runClient(["ws://127.0.0.1:\(gateway.port)/", "echo"], timeoutSeconds: 30)
            #expect(status != 0)
            #expect(!output.contains("open\n"), "\(output)")
        }
    }
}

/// Upgrade requests to an ordinary HTTP upstream: the answer stays HTTP.
@Suite("Upgrade requests answered without 101", .timeLimit(.minutes(1)))
struct UpgradeWithoutSwitchTests {
    @Test("Upgrade: websocket is forwarded with Connection: upgrade; a 200 answer is an ordinary response")
    func nonSwitchingAnswer() async throws {
        let last = LastRequest()
        let app = try await DemoUpstream.start { request in
            last.set(request)
            return DemoReply(body: "plain")
        }
        let yaml = "upstreams:\n  app:\n    targets: [\"http://127.0.0.1:PORT0\"]\n"
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway in
            let response = try await gateway.get("/ws", headers: [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13")])
            #expect(response.status == 200)
            #expect(response.body == "plain")
            #expect(last.request?.header("Upgrade") == "websocket")
            #expect(last.request?.header("Connection")?.lowercased() == "upgrade")
            #expect(last.request?.header("X-Request-ID") != nil)
            #expect(gateway.gateway.telemetry.upgradedConnections == 0)
        }
    }

    @Test("Upgrade: h2c is still dropped and served as HTTP/1.1")
    func h2cDropped() async throws {
        let last = LastRequest()
        let app = try await DemoUpstream.start { request in
            last.set(request)
            return DemoReply(body: "h1")
        }
        let yaml = "upstreams:\n  app:\n    targets: [\"http://127.0.0.1:PORT0\"]\n"
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway in
            let response = try await gateway.get("/", headers: [("Upgrade", "h2c"), ("Connection", "Upgrade, HTTP2-Settings"), ("HTTP2-Settings", "AAMAAABkAAQAAP__")])
            #expect(response.status == 200)
            #expect(response.body == "h1")
            #expect(last.request?.header("Upgrade") == nil)
            #expect(last.request?.header("HTTP2-Settings") == nil)
        }
    }
}
