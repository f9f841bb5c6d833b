import BulwarkConfig
import BulwarkPostgresWire
import CoreMetrics
import Foundation
import NIOCore
import NIOPosix

/// One client connection on a cluster listener, from its first byte to its close: reads the startup
/// packet (answering `SSLRequest`/`GSSENCRequest` with `N`, forwarding a `CancelRequest` to the server
/// that owns its key), asks the cluster where to go and for a server slot, connects, forwards the startup
/// packet unchanged, then relays bytes both ways unbuffered. The relay only watches the message stream
/// (``MessageScanner``): client `Q`/`P`/`B`/`E`/`S` and server `Z` time queries (``QueryTimer``), server
/// `K` registers the cancel route. Both connections live on the client's event loop.
final class ClientSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The most a client may send before its session is relaying (the startup packet, and anything
    /// pipelined behind it while it waits for a slot).
    static let maximumPendingBytes = 1 << 20
    /// How long a client may take to send its startup packet.
    static let startupTimeout = TimeAmount.seconds(30)

    private enum Phase {
        case startup
        case waitingForSlot
        case connecting
        case relaying(any Channel)
        case closed
    }

    private let runtime: ClusterRuntime
    private let listener: PostgresListenerRole
    private var phase = Phase.startup
    private var context: ChannelHandlerContext?
    private var startupReader = StartupPacketReader()
    private var pending = ByteBuffer()
    private var startupPacket: ByteBuffer?
    private var identity: SessionIdentity?
    private var sessionID: UInt64 = 0
    private var server: PostgresServerAddress?
    private var session: SessionHandle?
    private var startupTimer: Scheduled<Void>?
    private var clientScanner = MessageScanner(interesting: QueryTimer.clientTypes)
    private var serverScanner = MessageScanner(interesting: QueryTimer.serverTypes.union([UInt8(ascii: "K")]))
    private var timer = QueryTimer()
    /// Reused for each read's messages, so that the relay allocates no array per read.
    private var messages: [ScannedMessage] = []
    /// Whether the server's stream to the client is still well formed (an error may be written at its
    /// message boundaries).
    private var serverStreamIntact = true
    /// Whether the server has sent its first ReadyForQuery (the session is authenticated).
    private var serverReady = false
    /// The session's query-duration timer, from its first ReadyForQuery on.
    private var queryTimer: CoreMetrics.Timer?

    init(runtime: ClusterRuntime, listener: PostgresListenerRole) {
        self.runtime = runtime
        self.listener = listener
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        guard runtime.accepted(context.channel) else {
            phase = .closed
            context.close(promise: nil)
            return
        }
        startupTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.startupTimeout) { [weak self] in
            guard let self, case .startup = self.phase else { return }
            self.fail(PostgresErrorResponse(code: "08P01", message: "bulwark: no startup packet within \(Self.startupTimeout.nanoseconds / 1_000_000_000)s"))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // The context holds this handler: let go of it, or both live for ever.
        startupTimer?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch phase {
        case .relaying(let server):
            observeClient(bytes)
            server.write(bytes, promise: nil)
        case .startup:
            pending.writeBuffer(&bytes)
            readStartup(context: context)
        case .waitingForSlot, .connecting:
            pending.writeBuffer(&bytes)
            if pending.readableBytes > Self.maximumPendingBytes {
                fail(PostgresErrorResponse(code: "08P01", message: "bulwark: more than 1 MiB sent before the session was established"))
            }
        case .closed:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .relaying(let server) = phase { server.flush() }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The server is read only as fast as the client takes its bytes.
        if case .relaying(let server) = phase {
            server.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let previous = phase
        phase = .closed
        startupTimer?.cancel()
        switch previous {
        case .relaying(let server):
            server.close(promise: nil)
        case .waitingForSlot:
            if let server { runtime.releaseSlot(sessionID, server: server.description, wasGranted: false) }
        case .startup, .connecting, .closed:
            break
        }
        if let session {
            self.session = nil
            runtime.unregister(session)
        }
        runtime.gone(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    // MARK: startup

    private func readStartup(context: ChannelHandlerContext) {
        do {
            while case .startup = phase, let (request, raw) = try startupReader.read(from: &pending) {
                switch request {
                case .sslRequest, .gssEncryptionRequest:
                    var answer = context.channel.allocator.buffer(capacity: 1)
                    answer.writeInteger(EncryptionRefusal.byte)
                    context.writeAndFlush(wrapOutboundOut(answer), promise: nil)
                case .cancel(let key):
                    phase = .closed
                    // Closed only once the server has taken the cancel (as PostgreSQL itself does), so a
                    // client that sends its next query at once cannot have that one cancelled instead.
                    if let server = runtime.cancelTarget(key) {
                        CancelForwarder.forward(raw, to: server, on: context.eventLoop).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                    } else {
                        context.close(promise: nil)
                    }
                case .startup(let message):
                    startupTimer?.cancel()
                    startupPacket = raw
                    identity = SessionIdentity(user: message.user, database: message.database, applicationName: message.applicationName)
                    route(context: context)
                }
            }
        } catch {
            fail(PostgresErrorResponse(code: "08P01", message: "bulwark: invalid startup packet: \(error)"))
        }
    }

    private func route(context: ChannelHandlerContext) {
        switch runtime.route(listener) {
        case .refuse(let error):
            fail(error)
        case .server(let address):
            server = address
            sessionID = runtime.nextSessionID()
            phase = .waitingForSlot
            runtime.acquireSlot(sessionID, server: address.description, on: context.eventLoop).assumeIsolated().whenComplete { [self] result in
                switch (result, phase) {
                case (.success, .waitingForSlot):
                    if case .server(let now) = runtime.route(listener), now != address {
                        // The cluster changed while this client waited (a failover): queue for the new server.
                        runtime.releaseSlot(sessionID, server: address.description, wasGranted: true)
                        self.route(context: context)
                    } else {
                        connect(to: address)
                    }
                case (.success, _):
                    runtime.releaseSlot(sessionID, server: address.description, wasGranted: true)
                case (.failure, .waitingForSlot):
                    phase = .connecting   // no longer queued: nothing to cancel on close
                    fail(runtime.queueTimeoutError(server: address.description))
                case (.failure, _):
                    break
                }
            }
        }
    }

    private func connect(to address: PostgresServerAddress) {
        guard let context else { return }
        phase = .connecting
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(TimeAmount(runtime.settings.check.timeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ServerSessionHandler(client: handler.value))
                }
            }
            .connect(host: address.host, port: address.port)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    connected(channel, to: address)
                case .failure(let error):
                    runtime.releaseSlot(sessionID, server: address.description, wasGranted: true)
                    fail(PostgresErrorResponse(code: "08006", message: "bulwark: cannot reach server \(address) of cluster '\(runtime.name)': \(ConnectFailure.words(error))"))
                }
            }
    }

    private func connected(_ channel: any Channel, to address: PostgresServerAddress) {
        guard case .connecting = phase, let context, channel.isActive, !runtime.isShuttingDown else {
            channel.close(promise: nil)
            runtime.releaseSlot(sessionID, server: address.description, wasGranted: true)
            if case .connecting = phase {
                fail(PostgresErrorResponse(code: "08006", message: "bulwark: the connection to server \(address) of cluster '\(runtime.name)' closed at once"))
            }
            return
        }
        phase = .relaying(channel)
        let session = SessionHandle(id: sessionID, listener: listener, server: address.description, clientChannel: context.channel)
        self.session = session
        runtime.register(session)
        if let startupPacket { channel.write(startupPacket, promise: nil) }
        startupPacket = nil
        if pending.readableBytes > 0 {
            observeClient(pending)
            channel.write(pending, promise: nil)
            pending = ByteBuffer()
        }
        channel.flush()
        channel.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
    }

    // MARK: relay

    private func observeClient(_ bytes: ByteBuffer) {
        do {
            messages.removeAll(keepingCapacity: true)
            try clientScanner.scanInteresting(bytes, into: &messages)
            // Before the server's first ReadyForQuery (authentication), nothing is a query to time.
            guard !messages.isEmpty, serverReady else { return }
            let now = ContinuousClock.now
            for message in messages { timer.clientSent(message, now: now) }
        } catch {
            terminate(with: PostgresErrorResponse(code: "08P01", message: "bulwark: invalid message from the client: \(error)"))
        }
    }

    /// Bytes from the server: watched, then passed to the client as they are.
    func serverSent(_ bytes: ByteBuffer) {
        guard let context, case .relaying = phase else { return }
        do {
            messages.removeAll(keepingCapacity: true)
            try serverScanner.scanInteresting(bytes, into: &messages)
            for message in messages {
                switch message.type {
                case UInt8(ascii: "Z"):
                    if !serverReady {
                        serverReady = true
                        if let identity { queryTimer = runtime.authenticated(listener: listener, identity: identity) }
                    } else if let query = timer.serverSent(message, now: .now), let identity, let queryTimer {
                        runtime.recordQuery(query, identity: identity, timer: queryTimer)
                    }
                case UInt8(ascii: "K"):
                    if let body = message.body, let key = BackendMessage.backendKey(body) {
                        runtime.addCancelRoute(key, session: sessionID, server: server?.description ?? "")
                    }
                default:
                    break
                }
            }
        } catch {
            serverStreamIntact = false
        }
        context.write(wrapOutboundOut(bytes), promise: nil)
    }

    func serverReadComplete() {
        context?.flush()
    }

    func serverWritabilityChanged(_ writable: Bool) {
        context?.channel.setOption(ChannelOptions.autoRead, value: writable).whenFailure { _ in }
    }

    /// The server closed: so does the client.
    func serverClosed() {
        guard case .relaying = phase, let context else { return }
        phase = .closed
        // After what the server sent last (a FATAL, the end of a result) has been written.
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// Ends a relaying session: `error` reaches the client when the server's stream to it is at a message
    /// boundary (so the client reads it as an error, not as a torn message).
    func terminate(with error: PostgresErrorResponse) {
        guard let context else { return }
        guard case .relaying(let server) = phase else {
            if case .closed = phase { return }   // already ending: let its error be written
            context.close(promise: nil)
            return
        }
        // Closed first, so that the server's close (which runs serverClosed at once) does not close the
        // client before the error is written. The session leaves the registry in channelInactive.
        phase = .closed
        server.close(promise: nil)
        guard serverStreamIntact, serverScanner.isAtMessageBoundary else {
            context.close(promise: nil)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 128)
        error.encode(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Answers the client with `error` and closes, before any server was involved.
    private func fail(_ error: PostgresErrorResponse) {
        guard let context else { return }
        if case .relaying = phase {
            terminate(with: error)
            return
        }
        // Closed before the slot is given up: giving it up completes the waiter's future inline.
        let wasWaiting: Bool
        if case .waitingForSlot = phase { wasWaiting = true } else { wasWaiting = false }
        phase = .closed
        if wasWaiting, let server {
            runtime.releaseSlot(sessionID, server: server.description, wasGranted: false)
        }
        var buffer = context.channel.allocator.buffer(capacity: 128)
        error.encode(into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
