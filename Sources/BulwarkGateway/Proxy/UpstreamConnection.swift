import NIOCore
import NIOHTTP1

/// Receives what an upstream connection delivers for the request currently using it.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstreamResponseHead(_ head: HTTPResponseHead)
    func upstreamResponseBody(_ buffer: ByteBuffer)
    func upstreamResponseEnd()
    func upstreamFailed(_ error: any Error)
    func upstreamWritabilityChanged(isWritable: Bool)
    /// A batch of reads ended: time to flush what was forwarded.
    func upstreamReadComplete()
    /// Whether the client can take more response bytes (false pauses reading from the upstream).
    var clientIsWritable: Bool { get }
}

/// One kept-alive HTTP/1.1 connection to a target; lives on one event loop and serves one request at
/// a time. Only touched on its event loop (hence `@unchecked Sendable`, for futures).
final class UpstreamConnection: @unchecked Sendable {
    let channel: any Channel
    let target: TargetState
    /// The address it was opened to (nil: by name); once the target's name resolves elsewhere, the
    /// connection is closed when it falls idle instead of being reused.
    let address: SocketAddress?
    var handler: UpstreamResponseHandler!
    weak var pool: UpstreamConnectionPool?
    /// When it was last returned to the pool (monotonic nanoseconds).
    var idleSince: Int64 = 0
    var isClosed = false

    private let observer: (any InstanceObserver)?

    init(channel: any Channel, target: TargetState, address: SocketAddress? = nil, observer: (any InstanceObserver)?) {
        self.channel = channel
        self.target = target
        self.address = address
        self.observer = observer
        observer?.created(.upstreamConnection)
    }

    deinit { observer?.freed(.upstreamConnection) }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        channel.close(promise: nil)
    }
}

/// The last handler of an upstream connection's pipeline: passes response parts to the current
/// delegate, and holds reads back while the client cannot take more (backpressure).
final class UpstreamResponseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    // Weak: the connection holds this handler (and its channel); a strong reference back made a cycle
    // that leaked every closed upstream connection. Whoever uses the connection (the pool or an
    // exchange) keeps it alive; a late event after that finds nil and does nothing.
    weak var connection: UpstreamConnection?
    weak var delegate: (any UpstreamConnectionDelegate)?
    private var context: ChannelHandlerContext?
    private var readPending = false

    init(connection: UpstreamConnection) {
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): delegate?.upstreamResponseHead(head)
        case .body(let buffer): delegate?.upstreamResponseBody(buffer)
        case .end: delegate?.upstreamResponseEnd()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if let delegate, !delegate.clientIsWritable {
            readPending = true
        } else {
            context.read()
        }
    }

    /// The client drained: read again if a read was held back.
    func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection {
            connection.isClosed = true
            connection.pool?.remove(connection)
        }
        if let delegate {
            self.delegate = nil
            delegate.upstreamFailed(ChannelError.eof)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let delegate {
            self.delegate = nil
            delegate.upstreamFailed(error)
        }
        if let connection {
            connection.close()
        } else {
            context.close(promise: nil)
        }
    }

    /// Writes a request part without flushing.
    func write(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() { context?.flush() }
}
