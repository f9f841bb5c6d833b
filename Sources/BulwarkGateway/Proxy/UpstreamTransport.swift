import NIOCore
import NIOHTTP1
import NIOPosix

/// How the gateway opens a connection to a target: a channel whose pipeline ends in the HTTP/1.1 client
/// codec, on the given event loop. TCP by default; TLS and in-memory transports (the request-path fuzzer
/// drives the whole proxy through `EmbeddedChannel`s) plug in here.
protocol UpstreamTransport: Sendable {
    func connect(to target: TargetState, address: SocketAddress?, connectTimeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<any Channel>
}

/// Plain TCP with `TCP_NODELAY`, outbound header validation on.
struct TCPUpstreamTransport: UpstreamTransport {
    func connect(to target: TargetState, address: SocketAddress?, connectTimeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<any Channel> {
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: true)
                }
            }
        return address.map { bootstrap.connect(to: $0) } ?? bootstrap.connect(host: target.target.host, port: target.target.port)
    }
}
