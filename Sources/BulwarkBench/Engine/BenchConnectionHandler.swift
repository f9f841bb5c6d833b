import NIOCore

/// One load connection's channel handler: writes the prepared request bytes and tells its
/// ``LoopDriver`` when the answer is complete or the connection failed. Lives on the driver's event loop.
final class BenchConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let driver: LoopDriver
    private let slot: Int
    private let generation: Int
    private var framer = ResponseFramer()
    private var context: ChannelHandlerContext?
    private var awaitingResponse = false
    private var reported = false

    init(driver: LoopDriver, slot: Int, generation: Int) {
        self.driver = driver
        self.slot = slot
        self.generation = generation
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes one request; the answer is reported to the driver.
    func send(_ bytes: ByteBuffer, expectsBody: Bool) {
        guard let context else { return }
        framer.expectResponse(expectsBody: expectsBody)
        awaitingResponse = true
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
    }

    /// Closes the connection without reporting it (the driver already accounted for it).
    func abandon() {
        reported = true
        context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        do {
            while buffer.readableBytes > 0 {
                guard awaitingResponse else { throw ResponseFramer.Malformed(description: "bytes arrived with no request outstanding") }
                guard let response = try framer.next(from: &buffer) else { return }
                awaitingResponse = false
                driver.responseArrived(slot: slot, generation: generation, status: response.status, keepAlive: response.keepAlive)
            }
        } catch {
            fail(.malformed, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if awaitingResponse, let response = framer.connectionClosed() {
            awaitingResponse = false
            driver.responseArrived(slot: slot, generation: generation, status: response.status, keepAlive: false)
        }
        guard !reported else { return }
        reported = true
        driver.connectionClosed(slot: slot, generation: generation, failure: awaitingResponse ? .closed : nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.closed, context: context)
    }

    private func fail(_ failure: TransportFailure, context: ChannelHandlerContext) {
        guard !reported else { return }
        reported = true
        let wasAwaiting = awaitingResponse
        awaitingResponse = false
        driver.connectionClosed(slot: slot, generation: generation, failure: wasAwaiting ? failure : nil)
        context.close(promise: nil)
    }
}
