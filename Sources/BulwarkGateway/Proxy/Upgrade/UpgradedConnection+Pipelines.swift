import NIOCore
import NIOHTTP1

/// Turning the two HTTP pipelines into byte relays. In each, the relay handler is added at the end
/// first and the decoder removed last. The upstream's decoder forwards the bytes it still buffered
/// after the `101` to the relay; the client's decoder drops what the client sent after its upgrade
/// request and before the `101` (documented in protocols.md: WebSocket clients wait for the `101`).
extension UpgradedConnection {
    /// The client's pipeline: `ProxyServerHandler` (at `proxyContext`), the head timer, the response
    /// encoder, its header validator and the request decoder give way to ``client``.
    func installOnClient(_ pipeline: ChannelPipeline.SynchronousOperations, proxyContext: ChannelHandlerContext) throws {
        try pipeline.addHandler(client)
        pipeline.removeHandler(context: proxyContext, promise: nil)
        Self.remove(RequestHeadTimer.self, from: pipeline)
        Self.remove(NIOHTTPResponseHeadersValidator.self, from: pipeline)
        Self.remove(HTTPResponseEncoder.self, from: pipeline)
        Self.remove(ByteToMessageHandler<HTTPRequestDecoder>.self, from: pipeline)
    }

    /// The target's pipeline: `UpstreamResponseHandler`, the request encoder, its header validator and
    /// the response decoder give way to ``target``.
    func installOnTarget(_ pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(target)
        Self.remove(UpstreamResponseHandler.self, from: pipeline)
        Self.remove(NIOHTTPRequestHeadersValidator.self, from: pipeline)
        Self.remove(HTTPRequestEncoder.self, from: pipeline)
        Self.remove(ByteToMessageHandler<HTTPResponseDecoder>.self, from: pipeline)
    }

    private static func remove<H: ChannelHandler>(_ type: H.Type, from pipeline: ChannelPipeline.SynchronousOperations) {
        guard let context = try? pipeline.context(handlerType: type) else { return }
        pipeline.removeHandler(context: context, promise: nil)
    }
}
