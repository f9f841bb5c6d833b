import NIOCore

/// One side of an upgraded connection: the last handler of its channel once the HTTP handlers are gone.
/// Passes what it reads to its ``UpgradedConnection`` (which writes it to the other side), and holds
/// reads back while the other side is not writable (backpressure).
final class ByteRelayHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Which connection a handler sits on.
    enum Side: Equatable { case client, target }

    let side: Side
    /// Weak: the channel holds this handler, the session holds both channels' handlers.
    weak var session: UpgradedConnection?
    private(set) var context: ChannelHandlerContext?
    private var readPending = false

    init(side: Side) { self.side = side }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session?.relay(unwrapInboundIn(data), from: side)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        session?.readBatchEnded(from: side)
    }

    func read(context: ChannelHandlerContext) {
        if let session, !session.otherSideIsWritable(side) {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Reads once the relay starts: the HTTP handler before it may have held a read back.
    func startReading() { context?.read() }

    /// The other side drained: read again if a read was held back.
    func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { session?.becameWritable(side) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session?.sideClosed(side)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        session?.sideClosed(side)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            session?.drainStarted()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// Writes `buffer` without flushing.
    func write(_ buffer: ByteBuffer) {
        context?.write(wrapOutboundOut(buffer), promise: nil)
    }

    func flush() { context?.flush() }

    /// Flushes what was written, then closes.
    func flushAndClose() {
        guard let context else { return }
        context.flush()
        context.close(promise: nil)
    }
}
