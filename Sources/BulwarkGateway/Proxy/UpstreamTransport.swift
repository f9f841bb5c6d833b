import NIOCore
import NIOHTTP1
import NIOPosix

/// How the gateway opens a connection to a target: a channel whose pipeline ends in the HTTP/1.1 client
/// codec, on the given event loop. TCP (with TLS for `https://` targets) by default; in-memory
/// transports (the request-path fuzzer drives the whole proxy through `EmbeddedChannel`s) plug in here.
protocol UpstreamTransport: Sendable {
    func connect(to target: TargetState, address: SocketAddress?, connectTimeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<any Channel>
}

/// Plain TCP with `TCP_NODELAY`, outbound header validation on. For an `https://` target, TLS with the
/// context of its upstream (``TargetState/tls``) sits under the HTTP codec, and the future completes
/// only once the handshake succeeded: a handshake that fails (or takes longer than `connectTimeout`)
/// fails the connect, with a ``TLSHandshakeFailure`` saying why.
struct TCPUpstreamTransport: UpstreamTransport {
    func connect(to target: TargetState, address: SocketAddress?, connectTimeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<any Channel> {
        let tls = target.target.scheme == .https ? target.tls : nil
        if target.target.scheme == .https, tls == nil {
            return eventLoop.makeFailedFuture(TLSHandshakeFailure(.other("no TLS settings for \(target.target)")))
        }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try tls.addHandlers(to: channel, target: target.target, timeout: connectTimeout) }
                    // Bytes after a `101` stay buffered in the decoder; when an upgrade removes it they go to the relay.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes, enableOutboundHeaderValidation: true)
                }
            }
        let connected = address.map { bootstrap.connect(to: $0) } ?? bootstrap.connect(host: target.target.host, port: target.target.port)
        guard tls != nil else { return connected }
        return connected.flatMap { channel in
            guard let handshake = try? channel.pipeline.syncOperations.handler(type: UpstreamTLSHandshake.self) else {
                // Already gone: the handshake ended between connect and now.
                return channel.isActive ? channel.eventLoop.makeSucceededFuture(channel)
                    : channel.eventLoop.makeFailedFuture(TLSHandshakeFailure(.closed))
            }
            return handshake.done.map { channel }
        }
    }
}
