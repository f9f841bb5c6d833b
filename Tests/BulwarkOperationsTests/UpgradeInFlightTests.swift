import BulwarkDemo
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// An upgraded connection (WebSocket) is in flight on its target for as long as it is open, as the
/// admin API's `/api/upstreams` shows, and is no longer once it closes.
@Suite(.timeLimit(.minutes(1)))
struct UpgradeInFlightTests {
    @Test func anUpgradedConnectionIsInFlightOnItsTargetUntilItCloses() async throws {
        // The target switches to `websocket` and then holds the connection without reading from it.
        let app = try await DemoUpstream.start { request in
            request.header("Upgrade") == nil ? DemoReply(body: "plain")
                : DemoReply(status: 101, headers: [("Upgrade", "websocket"), ("Connection", "Upgrade")])
        }
        let yaml = """
            server: { drain_timeout: 1s }
            upstreams: { app: { targets: ["http://127.0.0.1:PORT0"] } }
            """
        try await OperationsHarness.with(yaml: yaml, upstreams: [app]) { harness async throws in
            func inFlight() async throws -> Int? {
                let upstreams = try await harness.json("/api/upstreams")["upstreams"] as? [[String: Any]]
                let targets = upstreams?.first?["targets"] as? [[String: Any]]
                return targets?.first?["in_flight"] as? Int
            }
            #expect(try await harness.proxy("/").body == "plain")
            #expect(try await inFlight() == 0)

            let socket = try LoopbackSocket(port: harness.port)
            defer { socket.close() }
            try socket.send("GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            #expect(try await eventually { harness.gateway.telemetry.upgradedConnections == 1 })
            #expect(try await eventually { socket.receivedSoFar().hasPrefix("HTTP/1.1 101") }, "\(socket.receivedSoFar())")

            // Open, and quiet: still in flight, however long it stays open.
            #expect(try await inFlight() == 1)
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await inFlight() == 1)
            #expect(harness.gateway.telemetry.upgradedConnections == 1)

            socket.close()
            #expect(try await eventually { harness.gateway.telemetry.upgradedConnections == 0 })
            #expect(try await eventually { try await inFlight() == 0 })
        }
    }
}

/// One loopback TCP connection over plain POSIX sockets (this target has no NIO client bootstrap): writes
/// are small and block at most briefly, reads never block.
private final class LoopbackSocket {
    private var descriptor: Int32
    private var received: [UInt8] = []

    init(port: Int) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw TestError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close()
            throw TestError("connect to 127.0.0.1:\(port): \(reason)")
        }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw TestError("write: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// Everything the peer sent so far (reads what is waiting, without blocking).
    func receivedSoFar() -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while descriptor >= 0 {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    func close() {
        guard descriptor >= 0 else { return }
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
        descriptor = -1
    }

    deinit { close() }
}
