import BulwarkDemo
import Foundation
import NIOCore
import NIOPosix
import Testing

@Suite("Streaming bodies", .timeLimit(.minutes(2)))
struct StreamingTests {
    /// Resident memory of this process (the gateway runs in it), from /proc.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }

    @Test("a 512 MiB upload streams through with bounded memory and arrives whole")
    func largeUpload() async throws {
        let total = 512 * 1024 * 1024
        let app = try await DemoUpstream.start { request in DemoReply(body: "\(request.bodyBytes)") }
        let yaml = "upstreams:\n  app:\n    targets: [\"http://127.0.0.1:PORT0\"]\n    retry: { methods: [GET, PUT] }\n"
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway async throws in
            let baseline = Self.residentBytes()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: gateway.port) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
            var peak = baseline
            let answer: String = try await channel.executeThenClose { inbound, outbound in
                let head = "PUT /upload HTTP/1.1\r\nHost: a\r\nContent-Length: \(total)\r\nConnection: close\r\n\r\n"
                try await outbound.write(ByteBuffer(string: head))
                let chunk = ByteBuffer(repeating: 0x61, count: 1024 * 1024)
                for index in 0..<(total / chunk.readableBytes) {
                    try await outbound.write(chunk)   // suspends while the gateway pushes back
                    if index % 32 == 0 { peak = max(peak, Self.residentBytes()) }
                }
                var text = ""
                for try await buffer in inbound { text += String(buffer: buffer) }
                return text
            }
            peak = max(peak, Self.residentBytes())
            let response = try RawHTTP.parse(Array(answer.utf8))
            #expect(response.status == 200)
            #expect(response.body == "\(total)")
            // The body is 512 MiB; the process may grow by a small, bounded amount only.
            #expect(peak - baseline < 96 * 1024 * 1024, "resident memory grew by \((peak - baseline) >> 20) MiB")
        }
    }

    @Test("a chunked request body is forwarded chunked and arrives whole")
    func chunkedUpload() async throws {
        let app = try await DemoUpstream.start { request in
            DemoReply(body: "\(request.bodyBytes):\(String(decoding: request.bodyPrefix, as: UTF8.self)):\(request.header("Transfer-Encoding") ?? "-")")
        }
        let yaml = "upstreams:\n  app:\n    targets: [\"http://127.0.0.1:PORT0\"]\n"
        try await GatewayHarness.with(yaml: yaml, upstreams: [app]) { gateway async throws in
            let request = "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
            let response = try await RawHTTP.send(request, port: gateway.port)
            #expect(response.status == 200)
            #expect(response.body == "11:hello world:chunked")
        }
    }
}
