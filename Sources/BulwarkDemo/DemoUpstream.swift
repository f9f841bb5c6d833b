import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request as a ``DemoUpstream`` saw it. The body is counted, and only its first 64 KiB are kept, so a
/// multi-gigabyte upload costs no memory.
public struct DemoRequest: Sendable {
    /// The method, e.g. `GET`.
    public var method: String
    /// The request target, e.g. `/api/items?page=2`.
    public var uri: String
    /// Header fields in order.
    public var headers: [(name: String, value: String)]
    /// Body bytes received.
    public var bodyBytes: Int
    /// The first 64 KiB of the body.
    public var bodyPrefix: [UInt8]

    /// The first value of a header field (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What a ``DemoUpstream`` answers.
public struct DemoReply: Sendable {
    /// The status code.
    public var status: Int
    /// The body.
    public var body: String
    /// Extra header fields.
    public var headers: [(name: String, value: String)]
    /// How long to wait before answering.
    public var delay: Duration
    /// Drop the connection instead of answering.
    public var dropConnection: Bool

    /// Creates a reply.
    public init(status: Int = 200, body: String = "", headers: [(name: String, value: String)] = [], delay: Duration = .zero, dropConnection: Bool = false) {
        self.status = status
        self.body = body
        self.headers = headers
        self.delay = delay
        self.dropConnection = dropConnection
    }
}

/// A small HTTP/1.1 server for `bulwark demo` and for tests: each request is answered by a closure, so a
/// test can make it flaky, slow, or fail its health check, and ``stop()`` kills it like a crashed app.
public final class DemoUpstream: Sendable {
    /// The port it listens on.
    public let port: Int
    private let channel: any Channel
    private let children = Mutex<[ObjectIdentifier: any Channel]>([:])
    fileprivate let counter = Atomic<Int>(0)

    /// Requests answered so far.
    public var requestCount: Int { counter.load(ordering: .relaxed) }

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    /// Starts a server on `host:port` (0 picks a free port) answering with `reply`.
    public static func start(
        host: String = "127.0.0.1",
        port: Int = 0,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        reply: @escaping @Sendable (DemoRequest) -> DemoReply
    ) async throws -> DemoUpstream {
        let registry = Registry()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 512)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(DemoHandler(reply: reply, registry: registry))
                    registry.add(child)
                }
            }
            .bind(host: host, port: port)
            .get()
        let upstream = DemoUpstream(port: channel.localAddress?.port ?? port, channel: channel)
        registry.attach(upstream)
        return upstream
    }

    /// Stops listening and drops every open connection, like a killed process.
    public func stop() async {
        try? await channel.close()
        for child in children.withLock({ Array($0.values) }) { try? await child.close() }
    }

    final class Registry: Sendable {
        let upstream = Mutex<DemoUpstream?>(nil)
        private let pending = Mutex<[any Channel]>([])

        func add(_ channel: any Channel) {
            if let upstream = upstream.withLock({ $0 }) {
                upstream.track(channel)
            } else {
                pending.withLock { $0.append(channel) }
            }
        }

        func attach(_ server: DemoUpstream) {
            upstream.withLock { $0 = server }
            for channel in pending.withLock({ list in defer { list = [] }; return list }) { server.track(channel) }
        }

        func answered() { upstream.withLock { $0 }?.counter.add(1, ordering: .relaxed) }
    }

    func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        children.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in self?.children.withLock { _ = $0.removeValue(forKey: key) } }
    }
}

/// Answers each request with the closure once its body has been read.
final class DemoHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let reply: @Sendable (DemoRequest) -> DemoReply
    let registry: DemoUpstream.Registry
    private var request: DemoRequest?
    private var keepAlive = true

    init(reply: @escaping @Sendable (DemoRequest) -> DemoReply, registry: DemoUpstream.Registry) {
        self.reply = reply
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            keepAlive = head.isKeepAlive
            request = DemoRequest(method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, bodyBytes: 0, bodyPrefix: [])
        case .body(var buffer):
            request?.bodyBytes += buffer.readableBytes
            if let count = request?.bodyPrefix.count, count < 65_536 {
                let take = min(65_536 - count, buffer.readableBytes)
                request?.bodyPrefix += buffer.readBytes(length: take) ?? []
            }
        case .end:
            guard let request else { return }
            self.request = nil
            let answer = reply(request)
            registry.answered()
            let keepAlive = self.keepAlive
            let send: @Sendable () -> Void = { [context = NIOLoopBound(context, eventLoop: context.eventLoop)] in
                let context = context.value
                if answer.dropConnection {
                    context.close(promise: nil)
                    return
                }
                var headers = HTTPHeaders(answer.headers.map { ($0.name, $0.value) })
                headers.replaceOrAdd(name: "Content-Length", value: "\(answer.body.utf8.count)")
                if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
                let status = HTTPResponseStatus(statusCode: answer.status)
                context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
                var buffer = context.channel.allocator.buffer(capacity: answer.body.utf8.count)
                buffer.writeString(answer.body)
                context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
                let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
                if !keepAlive { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
            }
            if answer.delay > .zero {
                let (seconds, attoseconds) = answer.delay.components
                context.eventLoop.scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) { send() }
            } else {
                send()
            }
        }
    }
}
