import NIOCore
import NIOPosix
import Synchronization

/// A raw TCP upstream on a free loopback port: records every byte each connection receives and answers
/// each request it can frame. The first request gets the scripted bytes (if any), every other one
/// `HTTP/1.1 200 OK` with body `ok` (no body to HEAD). It never interprets more than framing, so the
/// tests can check exactly what a gateway sent.
final class RecordingUpstream: Sendable {
    /// The first answer: raw bytes, and whether to close the connection after writing them.
    struct Script: Sendable {
        var bytes: [UInt8]
        var closeAfter: Bool
    }

    let port: Int
    private let channel: any Channel
    private let state: Shared

    final class Shared: Sendable {
        let script: Mutex<Script?>
        let connections = Mutex<[(log: ByteLog, channel: any Channel)]>([])
        init(script: Script?) { self.script = Mutex(script) }
    }

    private init(port: Int, channel: any Channel, state: Shared) {
        self.port = port
        self.channel = channel
        self.state = state
    }

    static func start(script: Script? = nil) async throws -> RecordingUpstream {
        let shared = Shared(script: script)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let log = ByteLog()
                    shared.connections.withLock { $0.append((log, child)) }
                    try child.pipeline.syncOperations.addHandler(RecordingHandler(log: log, shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return RecordingUpstream(port: channel.localAddress?.port ?? 0, channel: channel, state: shared)
    }

    /// What each connection received so far, in the order they were accepted.
    var connections: [ByteLog.Snapshot] { state.connections.withLock { $0.map(\.log.snapshot) } }

    /// Total bytes received on every connection.
    var totalBytes: Int { connections.reduce(0) { $0 + $1.bytes.count } }

    /// Waits until every connection accepted so far is closed, or `deadline`; returns whether they all are.
    func waitUntilAllClosed(until deadline: ContinuousClock.Instant) async -> Bool {
        for log in state.connections.withLock({ $0.map(\.log) }) {
            if await !log.waitUntilClosed(until: deadline) { return false }
        }
        return true
    }

    func stop() async {
        try? await channel.close()
        for child in state.connections.withLock({ $0.map(\.channel) }) { try? await child.close() }
    }
}

/// Records bytes and answers every request the lenient test parser can frame.
private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let log: ByteLog
    let shared: RecordingUpstream.Shared
    private var received: [UInt8] = []
    private var answeredUpTo = 0
    private var stuck = false

    init(log: ByteLog, shared: RecordingUpstream.Shared) {
        self.log = log
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        log.append(bytes)
        received += bytes
        while !stuck, answeredUpTo < received.count {
            let request: WireRequest
            do {
                request = try WireRequest.parse(received, from: answeredUpTo, .lenientClient)
            } catch .incomplete {
                return
            } catch {
                stuck = true  // not a request we can frame: say nothing, the gateway's timeout decides
                return
            }
            answeredUpTo += request.length
            let script = shared.script.withLock { script in defer { script = nil }; return script }
            let answer = script?.bytes ?? Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n\(request.method == "HEAD" ? "" : "ok")".utf8)
            let written = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: answer)))
            if script?.closeAfter == true {
                log.markClosingLocally()
                stuck = true
                written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        log.markClosed()
        context.fireChannelInactive()
    }
}
