import NIOCore
import NIOHTTP1

/// Kept-alive upstream connections of one event loop, per target (LIFO, so warm connections are reused
/// and surplus ones age out). Only touched on its event loop, so it needs no lock.
final class UpstreamConnectionPool: @unchecked Sendable {
    let eventLoop: any EventLoop
    let transport: any UpstreamTransport
    private var idle: [ObjectIdentifier: [UpstreamConnection]] = [:]
    /// Idle connections older than this are not reused: many app servers close idle keep-alive
    /// connections after 5 s (Node's default), and reusing one that is being closed loses the request.
    static let maximumIdleNanoseconds: Int64 = 4_000_000_000

    let observer: (any InstanceObserver)?

    init(eventLoop: any EventLoop, transport: any UpstreamTransport = TCPUpstreamTransport(), observer: (any InstanceObserver)? = nil) {
        self.eventLoop = eventLoop
        self.transport = transport
        self.observer = observer
    }

    /// A kept-alive connection to `target` that is still usable, if there is one.
    func idleConnection(to target: TargetState, now: Int64) -> UpstreamConnection? {
        let key = ObjectIdentifier(target)
        while let connection = idle[key]?.popLast() {
            if connection.isClosed || !connection.channel.isActive { continue }
            if target.isRetired {
                connection.close()
                continue
            }
            if now - connection.idleSince > Self.maximumIdleNanoseconds {
                connection.close()
                continue
            }
            return connection
        }
        return nil
    }

    /// Opens a new connection to `target`.
    func connect(_ target: TargetState, address: SocketAddress?, connectTimeout: TimeAmount) -> EventLoopFuture<UpstreamConnection> {
        transport.connect(to: target, address: address, connectTimeout: connectTimeout, on: eventLoop).flatMapThrowing { channel in
            let connection = UpstreamConnection(channel: channel, target: target, observer: self.observer)
            connection.pool = self
            let handler = UpstreamResponseHandler(connection: connection)
            connection.handler = handler
            try channel.pipeline.syncOperations.addHandler(handler)
            return connection
        }
    }

    /// Returns a connection after a complete exchange.
    func release(_ connection: UpstreamConnection, maximumIdle: Int, now: Int64) {
        guard !connection.isClosed, connection.channel.isActive else { return }
        guard !connection.target.isRetired else {
            connection.close()
            return
        }
        let key = ObjectIdentifier(connection.target)
        var stack = idle[key] ?? []
        guard stack.count < maximumIdle else {
            connection.close()
            return
        }
        connection.idleSince = now
        stack.append(connection)
        idle[key] = stack
    }

    /// Forgets a connection that closed.
    func remove(_ connection: UpstreamConnection) {
        let key = ObjectIdentifier(connection.target)
        idle[key]?.removeAll { $0 === connection }
    }

    /// Closes the idle connections of targets that left their upstream.
    func closeRetired() {
        for (key, stack) in idle where stack.first?.target.isRetired ?? false {
            for connection in stack { connection.close() }
            idle[key] = nil
        }
    }

    /// Closes every idle connection (shutdown).
    func closeAll() {
        for connection in idle.values.joined() { connection.close() }
        idle.removeAll()
    }
}
