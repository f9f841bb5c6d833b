import NIOCore
import NIOHTTP1

/// Sits between an HTTP/2 stream's codec and its ``ProxyServerHandler``: holds the request's first parts
/// until the end of the read batch that brought them, so a stream the client resets in the same batch
/// (the rapid-reset pattern of CVE-2023-44487: HEADERS then RST_STREAM, over and over) closes before
/// any exchange starts and never reaches an upstream. A reset arriving later cancels the exchange like
/// a client closing an HTTP/1.1 connection. Removes itself once it has let the first batch through.
final class ResetStreamGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private var held: [NIOAny] = []
    private var released = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard released else { return held.append(data) }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !released {
            released = true
            let parts = held
            held = []
            // A stream reset in this batch is already closed: its request goes nowhere.
            if context.channel.isActive {
                for part in parts { context.fireChannelRead(part) }
            }
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        held = []
        released = true
        context.fireChannelInactive()
    }
}
