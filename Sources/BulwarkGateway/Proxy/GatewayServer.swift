import BulwarkConfig
import Logging
import NIOCore
import NIOPosix

/// The public listener: accepts connections (up to `server.max_connections`) and gives each the
/// pipeline ``ClientPipeline`` chooses: HTTP/1.1 or HTTP/2, behind TLS (the certificates in force when
/// it is accepted) when `server.tls` is set.
final class GatewayServer: Sendable {
    let runtime: GatewayRuntime
    let group: any EventLoopGroup
    let channel: any Channel

    /// The address actually bound (useful with port 0).
    var localAddress: SocketAddress? { channel.localAddress }

    private init(runtime: GatewayRuntime, group: any EventLoopGroup, channel: any Channel) {
        self.runtime = runtime
        self.group = group
        self.channel = channel
    }

    static func bind(runtime: GatewayRuntime, group: any EventLoopGroup) async throws -> GatewayServer {
        let listen = runtime.configuration.server.listen
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Each connection keeps its last read buffer for the next read: start it small (a request
            // head is usually well under 512 bytes; it grows after a full read), so an idle keep-alive
            // connection holds 512 bytes instead of 2 KiB.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Read per connection: a reload changes the limits of the connections after it.
                    let server = runtime.configuration.server
                    guard runtime.connections.add(channel, limit: server.maxConnections) else {
                        runtime.telemetry.connectionRejected()
                        channel.close(promise: nil)
                        return
                    }
                    try ClientPipeline.configure(channel, runtime: runtime)
                }
            }
            .bind(host: listen.host, port: listen.port)
            .get()
        return GatewayServer(runtime: runtime, group: group, channel: channel)
    }

    /// Stops accepting, asks every connection to finish its current request, and waits up to
    /// `timeout` for them; whatever is still open then is closed.
    func drain(timeout: Duration, logger: Logger) async {
        runtime.beginDraining()
        try? await channel.close()
        for connection in runtime.connections.all {
            connection.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = ContinuousClock.now + timeout
        while runtime.connections.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = runtime.connections.all
        if !left.isEmpty {
            logger.warning("drain timeout passed; closing connections still open", metadata: ["connections": "\(left.count)"])
            for connection in left { connection.close(promise: nil) }
        }
        for pool in runtime.allPools {
            pool.eventLoop.execute { pool.closeAll() }
        }
        runtime.accessLog.flush()
    }
}
