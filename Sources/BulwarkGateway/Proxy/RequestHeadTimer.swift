import NIOCore

/// Sits in front of the HTTP decoder and times request heads: the clock starts at the first byte read
/// while a head is awaited and stops when ``ProxyServerHandler`` has the whole head. When
/// `server.header_timeout` passes first, it fires ``RequestHeadTimedOut`` down the pipeline.
/// (A head that starts in the same read as the previous request's end starts its clock at the next read;
/// the idle timeout bounds it meanwhile.) One timer per connection, re-armed lazily rather than
/// scheduled and cancelled for every request.
final class RequestHeadTimer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The event fired when a head took too long.
    struct RequestHeadTimedOut {}

    private let timeout: TimeAmount
    private var context: ChannelHandlerContext?
    private var awaitingHead = true
    /// When the first byte of the awaited head was read.
    private var headStartedAt: NIODeadline?
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if awaitingHead, headStartedAt == nil {
            headStartedAt = .now()
            if timer == nil { arm(in: timeout) }
        }
        context.fireChannelRead(data)
    }

    private func arm(in delay: TimeAmount) {
        guard let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [weak self] in
            guard let self, let context = self.context else { return }
            self.timer = nil
            guard self.awaitingHead, let startedAt = self.headStartedAt else { return }
            let elapsed = NIODeadline.now() - startedAt
            if elapsed >= self.timeout {
                self.headStartedAt = nil
                context.fireUserInboundEventTriggered(RequestHeadTimedOut())
            } else {
                self.arm(in: self.timeout - elapsed)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// A whole head arrived.
    func headReceived() {
        awaitingHead = false
        headStartedAt = nil
    }

    /// The request's last part arrived: the next bytes start a new head.
    func requestEnded() { awaitingHead = true }
}
