import NIOCore

/// First on a plaintext connection when `server.http2.h2c` is on: reads until the first bytes either are
/// the HTTP/2 client preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, RFC 9113 §3.4) or cannot be, has
/// `configure` set the connection up for HTTP/2 or HTTP/1.1 accordingly, passes on what it read and
/// leaves. A client that sends part of the preface and stalls is closed after `timeout`
/// (`server.header_timeout`), like one stalling mid-head.
final class HTTP2PrefaceDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The client connection preface.
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    private let timeout: TimeAmount
    private let configure: (any Channel, _ isHTTP2: Bool) throws -> Void
    private var buffered: ByteBuffer?
    private var timer: Scheduled<Void>?
    private var decided = false

    init(timeout: TimeAmount, configure: @escaping (any Channel, _ isHTTP2: Bool) throws -> Void) {
        self.timeout = timeout
        self.configure = configure
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, !self.decided else { return }
            self.decided = true
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard !decided else { return context.fireChannelRead(data) }
        if var pending = buffered {
            pending.writeBuffer(&bytes)
            bytes = pending
        }
        let seen = bytes.readableBytesView.prefix(Self.preface.count)
        guard seen.elementsEqual(Self.preface.prefix(seen.count)) else { return decide(isHTTP2: false, context: context, bytes: bytes) }
        guard seen.count == Self.preface.count else {
            buffered = bytes
            return
        }
        decide(isHTTP2: true, context: context, bytes: bytes)
    }

    private func decide(isHTTP2: Bool, context: ChannelHandlerContext, bytes: ByteBuffer) {
        decided = true
        buffered = nil
        do {
            try configure(context.channel, isHTTP2)
        } catch {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(wrapInboundOut(bytes))
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        decided = true
        context.fireChannelInactive()
    }
}
