import BulwarkConfig
import NIOCore
import NIOPosix

/// Sends a client's `CancelRequest` packet, unchanged, on a new connection to the server that owns its
/// key; the server closes that connection without an answer, as PostgreSQL does.
enum CancelForwarder {
    /// How long the server may take to close the cancel connection.
    static let timeout = TimeAmount.seconds(5)

    /// Sends `packet` to `server`; the future completes once the server closed the connection (it has
    /// taken the cancel), or the connect failed, or after ``timeout``. It never fails.
    static func forward(_ packet: ByteBuffer, to server: PostgresServerAddress, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let done = eventLoop.makePromise(of: Void.self)
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .connect(host: server.host, port: server.port)
            .whenComplete { result in
                guard case .success(let channel) = result else {
                    done.succeed()
                    return
                }
                channel.writeAndFlush(packet, promise: nil)
                let deadline = eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
                channel.closeFuture.whenComplete { _ in
                    deadline.cancel()
                    done.succeed()
                }
            }
        return done.futureResult
    }
}
