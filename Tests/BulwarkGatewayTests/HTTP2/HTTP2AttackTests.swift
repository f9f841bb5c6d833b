import BulwarkDemo
import Foundation
import NIOCore
import NIOPosix
import Testing

/// Each protection HTTP/2 servers learned the hard way, attacked with a raw HTTP/2 client over h2c (the
/// same connection handler and limits as h2 over TLS): the attack is performed byte by byte, and the
/// test checks what the client gets back, that nothing half-understood reached the upstream, and that
/// the gateway still serves the next connection.
@Suite("HTTP/2 attacks", .timeLimit(.minutes(1)))
struct HTTP2AttackTests {
    static func yaml(_ http2: String = "") -> String {
        "server:\n  http2:\n    h2c: true\n\(http2)upstreams:\n  app:\n    targets: [\"http://127.0.0.1:PORT0\"]\n"
    }

    /// A gateway with h2c in front of a demo upstream answering `reply`; `body` gets the gateway and the upstream.
    static func withGateway<T>(
        _ http2: String = "", reply: DemoReply = DemoReply(body: "ok"),
        _ body: (GatewayHarness, DemoUpstream) async throws -> T
    ) async throws -> T {
        let app = try await DemoUpstream.start { _ in reply }
        return try await GatewayHarness.with(yaml: yaml(http2), upstreams: [app]) { gateway in
            try await body(gateway, app)
        }
    }

    /// A fresh connection still gets an answer: the attack cost its own connection at most.
    static func stillServes(_ gateway: GatewayHarness) async throws -> Bool {
        let connection = try await RawHTTP2Connection.open(port: gateway.port)
        defer { Task { await connection.close() } }
        try await connection.send(RawHTTP2.headers(stream: 1, RawHTTP2.requestBlock(path: "/after"), endStream: true))
        await connection.wait { frames in frames.contains { $0.stream == 1 && $0.endStream } }
        return try connection.statuses()[1] == 200
    }

    @Test("max_concurrent_streams: 10 — ten streams at once are answered; an 11th breaks the advertised limit and ends the connection")
    func concurrentStreams() async throws {
        let reply = DemoReply(body: "slow", delay: .milliseconds(300))
        try await Self.withGateway("    max_concurrent_streams: 10\n", reply: reply) { gateway, app in
            let polite = try await RawHTTP2Connection.open(port: gateway.port)
            let ten = (0..<10).map { UInt32(1 + 2 * $0) }
            try await polite.send(ten.flatMap { RawHTTP2.headers(stream: $0, RawHTTP2.requestBlock(path: "/s\($0)"), endStream: true) })
            await polite.wait { frames in frames.filter { $0.kind == .data && $0.endStream }.count >= 10 }
            let statuses = try polite.statuses()
            #expect(ten.allSatisfy { statuses[$0] == 200 }, "\(statuses)")
            #expect(app.requestCount == 10)
            await polite.close()

            // NIOHTTP2 treats a HEADERS frame past the advertised limit as a connection error.
            let greedy = try await RawHTTP2Connection.open(port: gateway.port)
            let eleven = (0..<11).map { UInt32(1 + 2 * $0) }
            try await greedy.send(eleven.flatMap { RawHTTP2.headers(stream: $0, RawHTTP2.requestBlock(path: "/g\($0)"), endStream: true) })
            await greedy.wait { _ in greedy.goAway != nil }
            #expect(greedy.goAway?.errorCode == .protocolError, "\(greedy.frames.map { ($0.kind, $0.stream, $0.errorCode) })")
            #expect(try await greedy.raw.waitForClose())
            // Streams within the limit may have started before the eleventh was read; never more.
            #expect(app.requestCount <= 20, "more streams than the limit were forwarded: \(app.requestCount - 10)")
            #expect(try await Self.stillServes(gateway))
        }
    }

    @Test("max_header_list_size: 4KiB — a 3 KiB header passes; an 8 KiB one ends the connection and reaches no upstream")
    func headerListSize() async throws {
        try await Self.withGateway("    max_header_list_size: 4KiB\n") { gateway, app in
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            let small = RawHTTP2.requestBlock(path: "/small", [("x-pad", String(repeating: "a", count: 3 * 1024))])
            try await connection.send(RawHTTP2.headers(stream: 1, small, endStream: true))
            await connection.wait { frames in frames.contains { $0.stream == 1 && $0.endStream } }
            #expect(try connection.statuses()[1] == 200)
            let big = RawHTTP2.requestBlock(path: "/big", [("x-pad", String(repeating: "b", count: 8 * 1024))])
            try await connection.send(RawHTTP2.headers(stream: 3, big, endStream: true))
            await connection.wait { frames in frames.contains { $0.kind == .goAway || ($0.kind == .rstStream && $0.stream == 3) } }
            let refusal = connection.goAway ?? connection.reset(of: 3)
            #expect(refusal != nil, "the oversized header block was not refused")
            #expect(try connection.statuses()[3] == nil)
            #expect(app.requestCount == 1)
            await connection.close()
            #expect(try await Self.stillServes(gateway))
        }
    }

    @Test("rapid reset (CVE-2023-44487): 300 HEADERS+RST_STREAM pairs get GOAWAY ENHANCE_YOUR_CALM and reach no upstream")
    func rapidReset() async throws {
        try await Self.withGateway { gateway, app in
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            let attack = (0..<300).flatMap { index -> [UInt8] in
                let stream = UInt32(1 + 2 * index)
                return RawHTTP2.headers(stream: stream, RawHTTP2.requestBlock(path: "/r\(index)"), endStream: true) + RawHTTP2.rstStream(stream: stream)
            }
            try await connection.send(attack)
            await connection.wait { _ in connection.goAway != nil }
            let goAway = try #require(connection.goAway)
            #expect(goAway.errorCode == .enhanceYourCalm)
            #expect(try await connection.raw.waitForClose())
            #expect(app.requestCount == 0, "reset streams were forwarded: \(app.requestCount)")
            #expect(gateway.gateway.http2ConnectionErrors["enhance_your_calm"] == 1, "\(gateway.gateway.http2ConnectionErrors)")
            #expect(try await Self.stillServes(gateway))
        }
    }

    @Test("CONTINUATION flood (CVE-2024-27316): a header block split over endless CONTINUATION frames ends the connection")
    func continuationFlood() async throws {
        try await Self.withGateway { gateway, app in
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            var attack = RawHTTP2.headers(stream: 1, RawHTTP2.requestBlock(path: "/c"), endStream: true, endHeaders: false)
            for index in 0..<200 {
                attack += RawHTTP2.continuation(stream: 1, RawHTTP2.literal("x-c\(index)", "v"), endHeaders: false)
            }
            try await connection.send(attack)
            await connection.wait { _ in connection.goAway != nil }
            #expect(connection.goAway != nil)
            #expect(try await connection.raw.waitForClose())
            #expect(app.requestCount == 0)
            #expect(try await Self.stillServes(gateway))
        }
    }

    @Test("HPACK: a dynamic table size update above the 4096 the gateway allows is a COMPRESSION_ERROR")
    func hpackTableSize() async throws {
        try await Self.withGateway { gateway, app in
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            let block = RawHTTP2.tableSizeUpdate(1 << 20) + RawHTTP2.requestBlock(path: "/h")
            try await connection.send(RawHTTP2.headers(stream: 1, block, endStream: true))
            await connection.wait { _ in connection.goAway != nil }
            #expect(connection.goAway?.errorCode == .compressionError)
            #expect(gateway.gateway.http2ConnectionErrors["compression_error"] == 1, "\(gateway.gateway.http2ConnectionErrors)")
            #expect(app.requestCount == 0)
            #expect(try await Self.stillServes(gateway))
        }
    }

    @Test("flow control: a client sending past its window while the upstream reads nothing gets FLOW_CONTROL_ERROR")
    func flowControlWindow() async throws {
        let silent = try await SilentUpstream.start()
        let yaml = "server:\n  http2:\n    h2c: true\n    initial_window_size: 64KiB\nupstreams:\n  app:\n    targets: [\"http://127.0.0.1:\(silent.port)\"]\n"
        try await GatewayHarness.with(yaml: yaml) { gateway in
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            let total = 32 * 1024 * 1024
            let head = RawHTTP2.requestBlock(method: "POST", path: "/upload", [("content-length", "\(total)")])
            try await connection.send(RawHTTP2.headers(stream: 1, head, endStream: false))
            let chunk = [UInt8](repeating: 0x61, count: 16 * 1024)
            var sent = 0
            while sent < total, connection.reset(of: 1) == nil, connection.goAway == nil, !connection.closed {
                // Windows are ignored on purpose: this client sends as fast as TCP lets it.
                try? await connection.send(RawHTTP2.data(stream: 1, chunk, endStream: sent + chunk.count == total))
                sent += chunk.count
            }
            await connection.wait { _ in connection.reset(of: 1) != nil || connection.goAway != nil }
            let refusal = connection.reset(of: 1) ?? connection.goAway
            #expect(refusal?.errorCode == .flowControlError, "sent \(sent) bytes; frames: \(connection.frames.map(\.kind))")
            #expect(sent < total)
            await connection.close()
        }
        await silent.stop()
    }

    @Test("a GET whose DATA its head did not announce gets 400, and no body byte reaches the upstream")
    func unannouncedBody() async throws {
        let seen = LastRequest()
        let app = try await DemoUpstream.start { request in
            seen.set(request)
            return DemoReply(body: "ok")
        }
        try await GatewayHarness.with(yaml: Self.yaml(), upstreams: [app]) { gateway in
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            try await connection.send(
                RawHTTP2.headers(stream: 1, RawHTTP2.requestBlock(path: "/g"), endStream: false)
                    + RawHTTP2.data(stream: 1, Array("smuggled".utf8), endStream: true)
            )
            await connection.wait { frames in frames.contains { $0.stream == 1 && ($0.endStream || $0.kind == .rstStream) } }
            #expect(try connection.statuses()[1] == 400)
            #expect((seen.request?.bodyBytes ?? 0) == 0)
            await connection.close()
        }
    }

    @Test("connection-specific fields and uppercase names are malformed in HTTP/2 (RFC 9113 §8.2): the stream is reset, nothing forwarded")
    func malformedFields() async throws {
        try await Self.withGateway { gateway, app in
            let connection = try await RawHTTP2Connection.open(port: gateway.port)
            try await connection.send(
                RawHTTP2.headers(stream: 1, RawHTTP2.requestBlock(path: "/a", [("connection", "keep-alive")]), endStream: true)
                    + RawHTTP2.headers(stream: 3, RawHTTP2.requestBlock(path: "/b", [("transfer-encoding", "chunked")]), endStream: true)
                    + RawHTTP2.headers(stream: 5, RawHTTP2.requestBlock(path: "/c", [("X-Upper", "1")]), endStream: true)
            )
            await connection.wait { _ in [1, 3, 5].allSatisfy { connection.reset(of: $0) != nil } || connection.goAway != nil }
            for stream: UInt32 in [1, 3, 5] {
                #expect(connection.reset(of: stream)?.errorCode == .protocolError || connection.goAway?.errorCode == .protocolError, "stream \(stream)")
            }
            #expect(app.requestCount == 0)
            await connection.close()
        }
    }
}

/// An upstream that accepts connections and never reads from them: whatever is sent to it stays in
/// the socket buffers, so the gateway's writes towards it stop.
final class SilentUpstream: Sendable {
    let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    static func start() async throws -> SilentUpstream {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.so_rcvbuf), value: 16 * 1024)
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return SilentUpstream(port: channel.localAddress?.port ?? 0, channel: channel)
    }

    func stop() async { try? await channel.close() }
}
