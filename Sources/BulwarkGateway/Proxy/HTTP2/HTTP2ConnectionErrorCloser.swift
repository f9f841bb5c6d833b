import NIOCore

/// Sits between the socket (or TLS) and NIOHTTP2's handler on an HTTP/2 connection and closes the
/// connection once a GOAWAY reporting an error has been written: NIOHTTP2 sends one for a connection
/// error (a flood, a broken frame, a header block too large) and then leaves the connection open, which
/// would let a misbehaving client keep it. A stream error (RST_STREAM) leaves the connection alone.
final class HTTP2ConnectionErrorCloser: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private var scanner = GoAwayScanner()
    private let telemetry: HTTP2Telemetry

    init(telemetry: HTTP2Telemetry) { self.telemetry = telemetry }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(let buffer) = unwrapOutboundIn(data), let code = scanner.scan(buffer.readableBytesView) else {
            return context.write(data, promise: promise)
        }
        telemetry.connectionFailed(code: code)
        context.write(data, promise: promise)
        context.flush()
        context.close(promise: nil)
    }
}
