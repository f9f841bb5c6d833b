import BulwarkDemo
import BulwarkTestSupport
import Foundation
import Testing

@Suite("HTTP/2 drain", .timeLimit(.minutes(1)))
struct HTTP2DrainTests {
    @Test("SIGTERM with a stream in flight: the client gets GOAWAY (NO_ERROR), the stream still completes, the connection closes, exit 0")
    func drain() async throws {
        let app = try await DemoUpstream.start { _ in DemoReply(body: "finished", delay: .milliseconds(1500)) }
        defer { Task { await app.stop() } }
        let path = try BinaryTests.writeConfig("""
        server:
          listen: "127.0.0.1:0"
          drain_timeout: 10s
          access_log: "off"
          http2:
            h2c: true
        admin:
          enabled: false
        upstreams:
          app:
            targets: ["http://127.0.0.1:\(app.port)"]
        """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try BinaryRunner(["serve", "--config", path])
        defer { run.forceKill() }
        let banner = try await run.readError(until: "bulwark listening")
        let port = try #require(BinaryRunner.port(in: banner))
        let connection = try await RawHTTP2Connection.open(port: port)
        try await connection.send(RawHTTP2.headers(stream: 1, RawHTTP2.requestBlock(path: "/slow"), endStream: true))
        #expect(try await eventually { app.requestCount == 1 })
        run.terminate()
        await connection.wait { _ in connection.goAway != nil }
        #expect(connection.goAway?.errorCode == .noError)
        // The gateway's GOAWAY comes with a PING; a real client answers it.
        if let ping = connection.frames.first(where: { $0.kind == .ping && $0.flags & 0x1 == 0 }) {
            try? await connection.send(RawHTTP2.frame(.ping, flags: 0x1, ping.payload))
        }
        await connection.wait { frames in frames.contains { $0.stream == 1 && $0.endStream } }
        #expect(try connection.statuses()[1] == 200)
        let body = connection.frames.filter { $0.kind == .data && $0.stream == 1 }.flatMap(\.payload)
        #expect(String(decoding: body, as: UTF8.self) == "finished")
        #expect(try await connection.raw.waitForClose())
        #expect(try await run.waitForExit() == 0)
    }
}
