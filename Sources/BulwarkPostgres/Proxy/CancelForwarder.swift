import BulwarkConfig
import NIOCore
import NIOPosix

/// Sends a client's `CancelRequest` packet, unchanged, on a new connection to the server that owns its
/// key; the server closes that connection without an answer, as PostgreSQL does.
enum CancelForwarder {
    static func forward(_ packet: ByteBuffer, to server: PostgresServerAddress, on eventLoop: any EventLoop) {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(5))
            .connect(host: server.host, port: server.port)
            .whenSuccess { channel in
                channel.writeAndFlush(packet).whenComplete { _ in channel.close(promise: nil) }
            }
    }
}
