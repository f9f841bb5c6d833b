import BulwarkConfig
import BulwarkGateway
import BulwarkTestSupport
import Foundation
import Logging
import Testing

/// What an upgraded connection counts against: the route's rate limits (once, for the upgrade request,
/// never per message) and `routes[].websocket.max_lifetime` (a busy socket is closed all the same). A
/// real WebSocket echo server and client (Python `websockets`) through a real gateway whose metrics go
/// to a ``CountingMetrics``.
@Suite("Upgraded connections: rate limits and max_lifetime", .serialized, .timeLimit(.minutes(2)), .enabled(if: PythonWebSockets.shouldRun, "python websockets is missing"))
struct UpgradeAccountingTests {
    /// Runs `body` with an echo server behind a gateway (metrics counted) for `yaml`, in which `WS_PORT`
    /// is the echo server's port; stops both afterwards.
    func withMeteredRelay(_ yaml: String, _ body: (WebSocketEchoServer, Gateway, Int, CountingMetrics) async throws -> Void) async throws {
        let server = try await WebSocketEchoServer.start()
        defer { server.stop() }
        var configuration = try BulwarkConfiguration.parse(yaml: yaml.replacingOccurrences(of: "WS_PORT", with: "\(server.port)"))
        configuration.server.listen = ListenAddress(host: "127.0.0.1", port: 0)
        configuration.server.accessLog = .off
        var logger = Logger(label: "test.gateway")
        logger.logLevel = .critical
        let metrics = CountingMetrics()
        let gateway = try Gateway(configuration: configuration, logger: logger, metricsFactory: metrics)
        let task = Task { try await gateway.run() }
        let port = await gateway.listeningPort()
        var failure: (any Error)?
        do {
            try await body(server, gateway, port, metrics)
        } catch {
            failure = error
        }
        task.cancel()
        _ = await task.result
        if let failure { throw failure }
    }

    @Test("the upgrade takes one rate-limit token and its messages none: 20 messages pass, the second upgrade is let in, the third gets 429")
    func rateLimitCountedOnceAtTheUpgrade() async throws {
        let yaml = """
        server: { drain_timeout: 1s }
        upstreams:
          ws: { targets: ["http://127.0.0.1:WS_PORT"] }
        rate_limits:
          upgrades: { requests: 2, per: 1m }
        routes:
          - { name: live, path_prefix: /, upstream: ws, rate_limits: [upgrades] }
        """
        try await withMeteredRelay(yaml) { server, gateway, port, metrics in
            let (status, output) = try await Self.runClient(["ws://127.0.0.1:\(port)/live", "accounting", "20"])
            #expect(status == 0, "\(output)")
            for line in ["first 101", "echoed 20", "second 101", "third 429", "first open True"] {
                #expect(output.contains(line + "\n"), "missing \(line): \(output)")
            }
            #expect(metrics.total("bulwark_http_rate_limit_decisions_total", [("route", "live"), ("decision", "allowed")]) == 2)
            #expect(metrics.total("bulwark_http_rate_limit_decisions_total", [("route", "live"), ("decision", "rejected")]) == 1)
            #expect(metrics.total("bulwark_http_requests_total", [("route", "live"), ("method", "GET"), ("status", "101")]) == 2)
            #expect(metrics.total("bulwark_http_requests_total", [("route", "live"), ("method", "GET"), ("status", "429")]) == 1)
            #expect(try await eventually { server.log.filter { $0 == "opened" }.count == 2 }, "the refused upgrade must not reach the target: \(server.log)")
            #expect(try await eventually { gateway.telemetry.upgradedConnections == 0 })
            // A WebSocket close handshake ends with the server closing TCP, so either side may be first.
            #expect(try await eventually {
                metrics.total("bulwark_upgraded_connections_total", [("route", "live"), ("outcome", "client_closed")])
                    + metrics.total("bulwark_upgraded_connections_total", [("route", "live"), ("outcome", "target_closed")]) == 2
            })
        }
    }

    @Test("routes[].websocket.max_lifetime closes an upgraded connection while messages keep flowing")
    func maxLifetimeClosesABusySocket() async throws {
        let yaml = """
        server: { drain_timeout: 1s }
        upstreams:
          ws: { targets: ["http://127.0.0.1:WS_PORT"] }
        routes:
          - { name: live, path_prefix: /, upstream: ws, websocket: { idle_timeout: 1h, max_lifetime: 1s } }
        """
        try await withMeteredRelay(yaml) { server, gateway, port, metrics in
            let (status, output) = try await Self.runClient(["ws://127.0.0.1:\(port)/", "busy", "20"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("open 101\n"), "\(output)")
            #expect(!output.contains("no close"), "the socket outlived max_lifetime: \(output)")
            let closedAfter = Self.number(after: "after=", in: output)
            #expect(closedAfter != nil && closedAfter! < 15, "\(output)")
            let echoed = Self.number(after: "echoed ", in: output)
            #expect(echoed != nil && echoed! >= 1, "no message went through before the close: \(output)")
            #expect(try await eventually { gateway.telemetry.upgradedConnections == 0 })
            #expect(try await eventually {
                metrics.total("bulwark_upgraded_connections_total", [("route", "live"), ("outcome", "max_lifetime")]) == 1
            })
            for other in ["client_closed", "target_closed", "idle_timeout", "drained"] {
                #expect(metrics.total("bulwark_upgraded_connections_total", [("route", "live"), ("outcome", other)]) == 0, "\(other)")
            }
            #expect(try await eventually { server.log.contains { $0.hasPrefix("ended") } }, "\(server.log)")
        }
    }

    /// The number after the first `prefix` in `output` (e.g. `after=1.003`, `echoed 42`).
    static func number(after prefix: String, in output: String) -> Double? {
        guard let range = output.range(of: prefix) else { return nil }
        return Double(output[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    /// Runs ``clientSource`` with `arguments` (URL, mode, messages) to its end, in a thread (the wait blocks).
    static func runClient(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let python = try PythonWebSockets.requirePython()
        let path = try PythonWebSockets.script("ws-accounting-client", clientSource)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try PythonWebSockets.run(python, [path] + arguments, timeoutSeconds: 60) })
            }
        }
    }

    /// `accounting`: an upgrade (its status), N messages echoed on it, a second and a third upgrade (their
    /// statuses), then whether the first socket still echoes. `busy`: an upgrade, then one message after
    /// another until the gateway closes the socket (when, and how many were echoed).
    static let clientSource = #"""
import asyncio, sys, time
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

async def upgrade(url):
    try:
        return await connect(url, max_size=None, ping_interval=None, open_timeout=10, close_timeout=5), 101
    except InvalidStatus as error:
        return None, error.response.status_code

async def accounting(url, count):
    first, status = await upgrade(url)
    print("first", status, flush=True)
    if first is None:
        return
    echoed = 0
    for index in range(count):
        await first.send(f"message {index}")
        if await asyncio.wait_for(first.recv(), 10) == f"message {index}":
            echoed += 1
    print("echoed", echoed, flush=True)
    second, status = await upgrade(url)
    print("second", status, flush=True)
    third, status = await upgrade(url)
    print("third", status, flush=True)
    await first.send("still there")
    print("first open", await asyncio.wait_for(first.recv(), 10) == "still there", flush=True)
    for ws in (first, second, third):
        if ws is not None:
            await ws.close()

async def busy(url):
    ws, status = await upgrade(url)
    print("open", status, flush=True)
    if ws is None:
        return
    start = time.monotonic()
    echoed = 0
    try:
        while time.monotonic() - start < 20:
            await ws.send(f"message {echoed}")
            await asyncio.wait_for(ws.recv(), 10)
            echoed += 1
            await asyncio.sleep(0.02)
        print("no close", flush=True)
    except ConnectionClosed:
        print(f"closed after={time.monotonic() - start:.3f}", flush=True)
    print("echoed", echoed, flush=True)

async def main(url, mode, count):
    if mode == "accounting":
        await accounting(url, count)
    elif mode == "busy":
        await busy(url)

asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2], int(sys.argv[3])), 50))
"""#
}
