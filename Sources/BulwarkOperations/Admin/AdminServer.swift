import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The admin listener's HTTP/1.1 server on SwiftNIO: reads each request whole, asks the responder and
/// writes the answer, keeping the connection alive when the client does.
enum AdminServer {
    typealias Responder = @Sendable (AdminRequest) async -> AdminResponse

    /// Binds `host:port` (port 0 picks a free one).
    static func bind(host: String, port: Int, group: any EventLoopGroup, logger: Logger, responder: @escaping Responder) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(responder: responder))
                }
            }
            .bind(host: host, port: port)
            .get()
    }
}

/// One admin connection.
final class AdminHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: AdminServer.Responder
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var body: [UInt8] = []
    private static let maxBody = 64 * 1024

    init(responder: @escaping AdminServer.Responder) { self.responder = responder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
            body = []
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes <= Self.maxBody { body += buffer.readableBytesView }
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive
            if bodyBytes > Self.maxBody {
                return write(.error(.payloadTooLarge, "admin request bodies are limited to 64KiB"), head: head, keepAlive: false, context: context)
            }
            var request = AdminRequest(method: head.method, uri: head.uri, headers: head.headers, localPort: context.channel.localAddress?.port)
            request.body = body
            request.clientAddress = context.channel.remoteAddress?.ipAddress
            body = []
            let responder = self.responder
            let loop = context.eventLoop
            let bound = NIOLoopBound((self, context), eventLoop: loop)
            Task {
                let response = await responder(request)
                loop.execute {
                    let (handler, context) = bound.value
                    handler.write(response, head: head, keepAlive: keepAlive, context: context)
                }
            }
        }
    }

    private func write(_ response: AdminResponse, head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let responseHead = HTTPResponseHead(version: head.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        if head.method != .HEAD, !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let channel = context.channel
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if !keepAlive { done.futureResult.whenComplete { _ in channel.close(promise: nil) } }
    }
}
