import NIOCore
import NIOPosix
import Synchronization

/// A real upstream on a free loopback port that streams: to each request (one per connection) it answers
/// `200` with the given `Content-Type`, chunked, then writes and flushes one chunk per scripted event
/// after its delay, then the last chunk. `DemoUpstream` answers whole bodies; this one is for watching
/// what a gateway does with bytes that trickle in.
final class EventStreamUpstream: Sendable {
    /// One chunk of the stream: written `delay` after the previous one (or after the head).
    struct Event: Sendable {
        var delay: TimeAmount
        var text: String
    }

    let port: Int
    private let channel: any Channel

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    /// Starts an upstream whose every response is `events`, with `contentType`.
    static func start(contentType: String, events: [Event]) async throws -> EventStreamUpstream {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(StreamHandler(contentType: contentType, events: events))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return EventStreamUpstream(port: channel.localAddress?.port ?? 0, channel: channel)
    }

    /// `count` server-sent events `data: <prefix><n>`, one every `interval`.
    static func sse(count: Int, every interval: TimeAmount, prefix: String = "tick") -> [Event] {
        (0..<count).map { Event(delay: interval, text: "data: \(prefix)\($0)\n\n") }
    }

    func stop() async { try? await channel.close() }

    private final class StreamHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let contentType: String
        let events: [Event]
        private var request: [UInt8] = []
        private var answered = false

        init(contentType: String, events: [Event]) {
            self.contentType = contentType
            self.events = events
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            request += buffer.readBytes(length: buffer.readableBytes) ?? []
            guard !answered, request.count >= 4, request.suffix(4) == Array("\r\n\r\n".utf8) else { return }
            answered = true
            let head = "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nTransfer-Encoding: chunked\r\nCache-Control: no-cache\r\n\r\n"
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: head)), promise: nil)
            send(0, context: context)
        }

        /// Writes event `index` after its delay, then the next; the last chunk after the last event.
        private func send(_ index: Int, context: ChannelHandlerContext) {
            let channel = context.channel
            guard index < events.count else {
                channel.writeAndFlush(ByteBuffer(string: "0\r\n\r\n"), promise: nil)
                return
            }
            let event = events[index]
            let loop = context.eventLoop.assumeIsolated()
            loop.scheduleTask(in: event.delay) { [self] in
                guard channel.isActive else { return }
                let size = String(event.text.utf8.count, radix: 16)
                channel.writeAndFlush(ByteBuffer(string: "\(size)\r\n\(event.text)\r\n"), promise: nil)
                send(index + 1, context: context)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// A raw client connection that notes when each read arrived, to tell a stream from a buffered body.
final class TimedConnection: Sendable {
    /// One read: when it came, and its bytes.
    struct Read: Sendable {
        var at: ContinuousClock.Instant
        var text: String
    }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let reads = Mutex<[Read]>([])
        let log = ByteLog()
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            reads.withLock { $0.append(Read(at: .now, text: String(decoding: bytes, as: UTF8.self))) }
            log.append(bytes)
        }
        func channelInactive(context: ChannelHandlerContext) { log.markClosed() }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    private let channel: any Channel
    private let collector: Collector
    /// When the request was sent.
    let sentAt: ContinuousClock.Instant

    private init(channel: any Channel, collector: Collector, sentAt: ContinuousClock.Instant) {
        self.channel = channel
        self.collector = collector
        self.sentAt = sentAt
    }

    /// Connects to `port` and sends `GET path` (the connection closes after the response).
    static func get(_ path: String, port: Int) async throws -> TimedConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        let sentAt = ContinuousClock.now
        try await channel.writeAndFlush(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: a\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n")).get()
        return TimedConnection(channel: channel, collector: collector, sentAt: sentAt)
    }

    /// Every read so far.
    var reads: [Read] { collector.reads.withLock { $0 } }
    /// Everything read so far.
    var text: String { reads.map(\.text).joined() }
    /// Whether the gateway closed the connection.
    var closed: Bool { collector.log.snapshot.closed }

    /// When `marker` had arrived in full (nil if it has not).
    func arrival(of marker: String) -> ContinuousClock.Instant? {
        var text = ""
        for read in reads {
            text += read.text
            if text.contains(marker) { return read.at }
        }
        return nil
    }

    /// Waits until the gateway closes the connection or `timeout` passes; returns whether it closed.
    func waitForClose(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            let snapshot = collector.log.snapshot
            if snapshot.closed { return true }
            if ContinuousClock.now >= deadline { return false }
            await collector.log.waitForChange(after: snapshot.version, until: deadline)
        }
    }

    func close() async { try? await channel.close() }
}
