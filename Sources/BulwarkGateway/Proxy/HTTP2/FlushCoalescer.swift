import NIOCore

/// On an HTTP/2 connection, between the socket (or TLS) and NIOHTTP2: many streams answer in the same
/// event-loop tick (each upstream read ends in a flush of its stream), and each flush would otherwise
/// cost a TLS record and a write system call. The first flush of a tick is deferred to the end of that
/// tick and the others join it, so the tick's frames leave in one write. A close flushes first, so
/// nothing written before it is lost.
final class FlushCoalescer: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = Any

    private var flushPending = false

    func flush(context: ChannelHandlerContext) {
        guard !flushPending else { return }
        flushPending = true
        context.eventLoop.assumeIsolated().execute {
            guard self.flushPending else { return }
            self.flushPending = false
            context.flush()
        }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if flushPending {
            flushPending = false
            context.flush()
        }
        context.close(mode: mode, promise: promise)
    }
}
