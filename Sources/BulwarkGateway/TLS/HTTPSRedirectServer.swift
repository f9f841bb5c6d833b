import BulwarkConfig
import NIOCore
import NIOHTTP1
import NIOPosix

/// `server.redirect_http`: a plain-HTTP listener that answers every request with
/// `308 Permanent Redirect` to the same URL on https (method and body are kept by the client on 308).
/// Held to the listener's limits: a connection that sends nothing for `server.header_timeout` is closed,
/// and at most `server.max_connections` are open at once.
final class HTTPSRedirectServer: Sendable {
    let channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    static func bind(_ address: ListenAddress, httpsPort: Int, server: ServerSettings, group: any EventLoopGroup) async throws -> HTTPSRedirectServer {
        let connections = ConnectionTracker()
        let maxHeaderBytes = server.maxHeaderBytes, maxConnections = server.maxConnections
        let timeout = TimeAmount.nanoseconds(server.headerTimeout.nanoseconds)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard connections.add(channel, limit: maxConnections) else {
                        channel.close(promise: nil)
                        return
                    }
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: timeout))
                    var limits = NIOHTTPDecoderLimitConfiguration()
                    limits.maxHeaderListSize = maxHeaderBytes
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: true, withOutboundHeaderValidation: true,
                        withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits
                    )
                    try channel.pipeline.syncOperations.addHandler(RedirectHandler(httpsPort: httpsPort))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
        return HTTPSRedirectServer(channel: channel)
    }

    /// The port bound (useful with port 0).
    var port: Int? { channel.localAddress?.port }

    func close() async { try? await channel.close() }

    /// Answers each request once its head arrives; the body, if any, is read and dropped.
    final class RedirectHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let httpsPort: Int
        private var pending: HTTPResponseHead?

        init(httpsPort: Int) { self.httpsPort = httpsPort }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is IdleStateHandler.IdleStateEvent {
                context.close(promise: nil)
            } else {
                context.fireUserInboundEventTriggered(event)
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let request):
                var headers = HTTPHeaders([("Content-Length", "0")])
                let status: HTTPResponseStatus
                if let location = HTTPSRedirect.location(host: request.headers.first(name: "Host"), target: request.uri, httpsPort: httpsPort) {
                    status = .permanentRedirect
                    headers.add(name: "Location", value: location)
                } else {
                    status = .badRequest
                }
                if !request.isKeepAlive || status == .badRequest { headers.add(name: "Connection", value: "close") }
                pending = HTTPResponseHead(version: request.version, status: status, headers: headers)
            case .body:
                break
            case .end:
                guard let head = pending else { return }
                pending = nil
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
                if head.headers.first(name: "Connection") == "close" {
                    written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                }
            }
        }
    }
}
