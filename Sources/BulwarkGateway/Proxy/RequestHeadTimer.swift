import NIOCore

/// Sits in front of the HTTP decoder and times request heads: the clock starts at the first byte read
/// while a head is awaited and stops when ``ProxyServerHandler`` has the whole head. When
/// `server.header_timeout` passes first, it fires ``RequestHeadTimedOut`` down the pipeline.
/// (A head that starts in the same read as the previous request's end starts its clock at the next read;
/// the idle timeout bounds it meanwhile.)
final class RequestHeadTimer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The event fired when a head took too long.
    struct RequestHeadTimedOut {}

    private let timeout: TimeAmount
    private var context: ChannelHandlerContext?
    private var awaitingHead = true
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if awaitingHead, timer == nil {
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
                guard let self, let context = self.context else { return }
                self.timer = nil
                context.fireUserInboundEventTriggered(RequestHeadTimedOut())
            }
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// A whole head arrived.
    func headReceived() {
        awaitingHead = false
        timer?.cancel()
        timer = nil
    }

    /// The request's last part arrived: the next bytes start a new head.
    func requestEnded() { awaitingHead = true }
}
