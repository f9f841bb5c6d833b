import NIOCore

/// The server side of a relaying session: hands every read to its ``ClientSessionHandler`` (same event
/// loop), and tells it when the server closes or stops taking bytes.
final class ServerSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let client: ClientSessionHandler

    init(client: ClientSessionHandler) {
        self.client = client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        client.serverSent(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        client.serverReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The client is read only as fast as the server takes its bytes.
        client.serverWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.serverClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
