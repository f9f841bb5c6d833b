import BulwarkConfig
import BulwarkPostgresWire
import Foundation
import Logging
import NIOCore
import Synchronization

/// One cluster's live state: the shell around ``ClusterTopology`` (where connections go),
/// ``ServerSlots`` (how many per server), the session registry, cancel routes and the slow-query log.
/// Every decision is made by those pure values under one lock; the I/O they ask for (ending sessions,
/// granting queued clients) is done after unlocking.
final class ClusterRuntime: Sendable {
    /// Where a new client connection goes.
    enum Route: Sendable {
        case server(PostgresServerAddress)
        case refuse(PostgresErrorResponse)
    }

    /// A queued client's slot did not come within `queue_timeout`.
    struct QueueTimeout: Error {}

    let settings: PostgresClusterSettings
    let logger: Logger
    let telemetry: PostgresTelemetry

    struct State {
        var topology: ClusterTopology
        var slots: ServerSlots
        var sessions: [UInt64: SessionHandle] = [:]
        var waiters: [UInt64: EventLoopPromise<Void>] = [:]
        var cancelRoutes: [BackendKey: String] = [:]
        var sessionKeys: [UInt64: BackendKey] = [:]
        var slowLog = SlowQueryLog()
        var listeners: [String: String] = [:]
        var nextID: UInt64 = 0
        /// Every accepted client connection, whatever its phase, to close at shutdown.
        var clients: [ObjectIdentifier: any Channel] = [:]
        var shuttingDown = false
    }

    let state: Mutex<State>
    /// Queries timed so far.
    let queryCount = Atomic<Int>(0)
    private let addresses: [String: PostgresServerAddress]

    init(settings: PostgresClusterSettings, logger: Logger, telemetry: PostgresTelemetry) {
        self.settings = settings
        self.logger = logger
        self.telemetry = telemetry
        self.addresses = Dictionary(settings.servers.map { ($0.description, $0) }, uniquingKeysWith: { first, _ in first })
        self.state = Mutex(State(
            topology: ClusterTopology(cluster: settings.name, servers: settings.servers.map(\.description), maxReplicaLag: settings.maxReplicaLag),
            slots: ServerSlots(limit: settings.maxServerConnections)
        ))
    }

    var name: String { settings.name }

    /// A fresh session id.
    func nextSessionID() -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
    }

    /// Where a new connection on `listener` goes now, or the error that refuses it.
    func route(_ listener: PostgresListenerRole) -> Route {
        if isShuttingDown { return .refuse(PostgresErrorResponse(code: "57P01", message: "bulwark: shutting down")) }
        let choice: String?? = state.withLock { state in
            switch listener {
            case .primary:
                if case .server(let address) = state.topology.primary { return .some(address) }
                return .none
            case .replicas:
                return .some(state.topology.nextReadServer())
            }
        }
        if case .some(.some(let address)) = choice, let server = addresses[address] { return .server(server) }
        return .refuse(refusal(for: listener))
    }

    private func refusal(for listener: PostgresListenerRole) -> PostgresErrorResponse {
        let primary = state.withLock { $0.topology.primary }
        if case .conflict(let servers) = primary, listener == .primary {
            let names = servers.count == 2 ? "\(servers[0]) and \(servers[1]) both" : servers.joined(separator: ", ") + " all"
            return PostgresErrorResponse(code: "08006", message: "bulwark: servers \(names) claim primary for cluster '\(name)'; refusing connections until one steps down")
        }
        return listener == .primary
            ? PostgresErrorResponse(code: "08006", message: "bulwark: no primary available for cluster '\(name)'")
            : PostgresErrorResponse(code: "08006", message: "bulwark: no server available for reads in cluster '\(name)'")
    }

    /// A server connection slot for session `id` on `server`: at once, or when one frees up (FIFO), or a
    /// failed future with ``QueueTimeout`` after `queue_timeout`.
    func acquireSlot(_ id: UInt64, server: String, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let now = ContinuousClock.now
        let timeout = settings.queueTimeout
        let promise = eventLoop.makePromise(of: Void.self)
        let decision = state.withLock { state in
            let decision = state.slots.acquire(id, server: server, now: now, timeout: timeout)
            if decision == .queued { state.waiters[id] = promise }
            return decision
        }
        switch decision {
        case .granted:
            promise.succeed()
        case .queued:
            telemetry.queued(cluster: name)
            // A millisecond past the deadline, so the waiter is due by the machine's clock when it fires.
            eventLoop.scheduleTask(in: TimeAmount(timeout) + .milliseconds(1)) { [self] in expireWaiters() }
        }
        return promise.futureResult
    }

    /// Fails the queued clients whose deadline passed.
    private func expireWaiters() {
        let now = ContinuousClock.now
        let expired: [EventLoopPromise<Void>] = state.withLock { state in
            state.slots.expire(now: now).compactMap { state.waiters.removeValue(forKey: $0) }
        }
        for promise in expired {
            telemetry.queueTimedOut(cluster: name)
            promise.fail(QueueTimeout())
        }
    }

    /// The queue error for `server`.
    func queueTimeoutError(server: String) -> PostgresErrorResponse {
        PostgresErrorResponse(
            code: "53300",
            message: "bulwark: cluster '\(name)': all \(settings.maxServerConnections) connections to \(server) are in use and none freed within \(DurationSyntax.format(settings.queueTimeout)) (max_server_connections)"
        )
    }

    /// Session `id` holds a slot on `server` and gave it back (its connection failed or ended), or gave up
    /// waiting for one: the next queued client, if any, gets it.
    func releaseSlot(_ id: UInt64, server: String, wasGranted: Bool) {
        let (granted, abandoned): (EventLoopPromise<Void>?, EventLoopPromise<Void>?) = state.withLock { state in
            guard wasGranted else {
                state.slots.cancel(id)
                return (nil, state.waiters.removeValue(forKey: id))
            }
            guard let next = state.slots.release(server: server) else { return (nil, nil) }
            return (state.waiters.removeValue(forKey: next), nil)
        }
        granted?.succeed()
        abandoned?.fail(QueueTimeout())
    }

    /// A session is relaying.
    func register(_ handle: SessionHandle) {
        state.withLock { $0.sessions[handle.id] = handle }
        telemetry.sessionOpened(cluster: name, listener: handle.listener, server: handle.server)
    }

    /// A session ended: its slot goes to the next queued client, its cancel route is forgotten.
    func unregister(_ handle: SessionHandle) {
        let removed = state.withLock { state in
            let removed = state.sessions.removeValue(forKey: handle.id) != nil
            if let key = state.sessionKeys.removeValue(forKey: handle.id) { state.cancelRoutes[key] = nil }
            return removed
        }
        if removed { telemetry.sessionClosed(cluster: name, listener: handle.listener, server: handle.server) }
        releaseSlot(handle.id, server: handle.server, wasGranted: true)
    }

    /// The server sent session `id` its BackendKeyData: cancel requests with `key` go to `server`.
    func addCancelRoute(_ key: BackendKey, session id: UInt64, server: String) {
        state.withLock { state in
            state.cancelRoutes[key] = server
            state.sessionKeys[id] = key
        }
    }

    /// The server that owns `key`, if a live session holds it.
    func cancelTarget(_ key: BackendKey) -> PostgresServerAddress? {
        state.withLock { $0.cancelRoutes[key] }.flatMap { addresses[$0] }
    }

    /// A client connected; false when the proxy is shutting down (close it).
    func accepted(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.shuttingDown else { return false }
            state.clients[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    /// A client connection closed.
    func gone(_ channel: any Channel) {
        _ = state.withLock { $0.clients.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Whether shutdown has begun: new sessions are not started.
    var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// Ends every client connection, in any phase (at shutdown); none is accepted or routed after it.
    func closeAll() {
        let clients = state.withLock { state in
            state.shuttingDown = true
            return Array(state.clients.values)
        }
        for channel in clients { channel.close(promise: nil) }
    }

    /// A listener is bound at `address`.
    func listening(_ listener: PostgresListenerRole, at address: String) {
        state.withLock { $0.listeners[listener.rawValue] = address }
    }
}
