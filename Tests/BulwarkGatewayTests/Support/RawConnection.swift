import BulwarkTestSupport
import Foundation
import NIOCore
import NIOPosix

/// One raw TCP connection kept open across writes, for tests that send a request in pieces and watch
/// what the gateway answers and whether it closes. A channel handler collects every byte read.
final class RawConnection: Sendable {
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: ByteLog
        init(_ received: ByteLog) { self.received = received }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        }

        func channelInactive(context: ChannelHandlerContext) {
            received.markClosed()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    private let channel: any Channel
    private let received: ByteLog

    init(port: Int) async throws {
        let received = ByteLog()
        self.received = received
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(received)) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) async throws { try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get() }

    /// Everything read so far.
    var bytes: [UInt8] { received.snapshot.bytes }
    var text: String { String(decoding: bytes, as: UTF8.self) }
    /// Whether the server closed the connection.
    var closed: Bool { received.snapshot.closed }

    /// Waits until `condition` holds for the text received, or the server closes, or `timeout` passes.
    @discardableResult
    func wait(timeout: Duration = .seconds(10), until condition: (String) -> Bool = { _ in false }) async throws -> String {
        let bytes = await waitForBytes(timeout: timeout) { condition(String(decoding: $0, as: UTF8.self)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits until `condition` holds for the bytes received, or the server closes, or `timeout` passes.
    @discardableResult
    func waitForBytes(timeout: Duration = .seconds(10), until condition: ([UInt8]) -> Bool) async -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let now = received.snapshot
            if now.closed || condition(now.bytes) || ContinuousClock.now >= deadline { return now.bytes }
            await received.waitForChange(after: now.version, until: deadline)
        }
    }

    /// Waits for the server to close the connection; returns whether it did within `timeout`.
    func waitForClose(timeout: Duration = .seconds(10)) async throws -> Bool {
        try await wait(timeout: timeout)
        return closed
    }

    func close() async { try? await channel.close() }
}

extension String {
    /// How many times `needle` occurs.
    func occurrences(of needle: String) -> Int {
        var count = 0
        var rest = self[...]
        while let range = rest.range(of: needle) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}
