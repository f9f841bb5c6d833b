import NIOCore
import NIOHTTP1

/// Kept-alive upstream connections of one event loop, per target (LIFO, so warm connections are reused
/// and surplus ones age out). Only touched on its event loop, so it needs no lock.
final class UpstreamConnectionPool: @unchecked Sendable {
    let eventLoop: any EventLoop
    let transport: any UpstreamTransport
    /// Per target, a stack of idle connections. A class per target, so taking and returning a
    /// connection changes its array in place: mutating an array inside a dictionary went through two
    /// non-inlined `_modify` accessors (heap-allocated coroutine frames) and copied the array on return.
    private var idle: [ObjectIdentifier: IdleStack] = [:]

    private final class IdleStack {
        var connections: [UpstreamConnection] = []
    }
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
        guard let stack = idle[ObjectIdentifier(target)] else { return nil }
        while let connection = stack.connections.popLast() {
            if connection.isClosed || !connection.channel.isActive { continue }
            if target.isRetired || !target.isCurrent(connection.address) {
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

    /// Opens a new connection to `target` at `address` (by name when nil); for an `https://` target
    /// the future completes once the TLS handshake succeeded.
    func connect(_ target: TargetState, address: SocketAddress?, connectTimeout: TimeAmount) -> EventLoopFuture<UpstreamConnection> {
        transport.connect(to: target, address: address, connectTimeout: connectTimeout, on: eventLoop).flatMapThrowing { channel in
            let connection = UpstreamConnection(channel: channel, target: target, address: address, observer: self.observer)
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
        guard !connection.target.isRetired, connection.target.isCurrent(connection.address) else {
            connection.close()
            return
        }
        let key = ObjectIdentifier(connection.target)
        let stack: IdleStack
        if let existing = idle[key] {
            stack = existing
        } else {
            stack = IdleStack()
            idle[key] = stack
        }
        guard stack.connections.count < maximumIdle else {
            connection.close()
            return
        }
        connection.idleSince = now
        stack.connections.append(connection)
    }

    /// Forgets a connection that closed.
    func remove(_ connection: UpstreamConnection) {
        let key = ObjectIdentifier(connection.target)
        idle[key]?.connections.removeAll { $0 === connection }
    }

    /// Closes the idle connections of targets that left their upstream.
    func closeRetired() {
        for (key, stack) in idle where stack.connections.first?.target.isRetired ?? false {
            for connection in stack.connections { connection.close() }
            idle[key] = nil
        }
    }

    /// Closes every idle connection (shutdown).
    func closeAll() {
        for connection in idle.values.flatMap(\.connections) { connection.close() }
        idle.removeAll()
    }
}
