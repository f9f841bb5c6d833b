import BulwarkDemo
import Testing

@Suite("HTTP/2 settings on reload", .timeLimit(.minutes(1)))
struct HTTP2ReloadTests {
    /// The value of `identifier` in the server's first SETTINGS frame.
    static func advertised(_ identifier: UInt16, on connection: RawHTTP2Connection) -> UInt32? {
        guard let settings = connection.frames.first(where: { $0.kind == .settings && $0.flags & 0x1 == 0 }) else { return nil }
        let payload = settings.payload
        for offset in stride(from: 0, to: payload.count - 5, by: 6) where UInt16(payload[offset]) << 8 | UInt16(payload[offset + 1]) == identifier {
            return RawFrame.uint32(payload, at: offset + 2)
        }
        return nil
    }

    @Test("limits apply to connections accepted after a reload; enabled and h2c need a restart and keep their running values")
    func reload() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "ok") }
        let yaml = "server:\n  http2:\n    h2c: true\nupstreams:\n  app:\n    targets: [\"http://127.0.0.1:PORT0\"]\n"
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway in
            let before = try await RawHTTP2Connection.open(port: gateway.port)
            #expect(Self.advertised(0x3, on: before) == 100)
            #expect(Self.advertised(0x4, on: before) == UInt32(1024 * 1024))
            var next = gateway.gateway.configuration
            next.server.http2.enabled = false
            next.server.http2.h2c = false
            next.server.http2.maxConcurrentStreams = 5
            next.server.http2.initialWindowSize = 128 * 1024
            let outcome = gateway.gateway.reload(next)
            #expect(outcome.status == .applied)
            #expect(Set(outcome.needsRestart) == ["server.http2.enabled", "server.http2.h2c"])
            let after = try await RawHTTP2Connection.open(port: gateway.port)
            #expect(Self.advertised(0x3, on: after) == 5)
            #expect(Self.advertised(0x4, on: after) == UInt32(128 * 1024))
            try await after.send(RawHTTP2.headers(stream: 1, RawHTTP2.requestBlock(path: "/a"), endStream: true))
            await after.wait { frames in frames.contains { $0.stream == 1 && $0.endStream } }
            #expect(try after.statuses()[1] == 200)
            await before.close()
            await after.close()
        }
    }
}
