import BulwarkPostgresWire
import NIOCore

/// What a cluster keeps of a live client session, to end it from outside its event loop (after a
/// failover) and to route its cancel requests.
final class SessionHandle: Sendable {
    let id: UInt64
    let listener: PostgresListenerRole
    let server: String
    let clientChannel: any Channel

    init(id: UInt64, listener: PostgresListenerRole, server: String, clientChannel: any Channel) {
        self.id = id
        self.listener = listener
        self.server = server
        self.clientChannel = clientChannel
    }

    /// Ends the session on its own event loop: `error` goes to the client when the stream to it is at a
    /// message boundary, then both connections close.
    func terminate(_ error: PostgresErrorResponse) {
        let channel = clientChannel
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: ClientSessionHandler.self) else {
                channel.close(promise: nil)
                return
            }
            handler.terminate(with: error)
        }
    }
}
