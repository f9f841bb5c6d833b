import BulwarkConfig
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Every `postgres:` cluster of `bulwark serve`: its listeners, its server checks and its sessions, as one
/// swift-service-lifecycle `Service`.
///
/// On ``run()`` each cluster's servers are checked once, then its listeners are bound (so the first
/// client already finds the primary), and checks repeat every `check.interval`. The `primary` listener
/// sends new connections to the one server that is not in recovery; `replicas` to a replica under
/// `max_replica_lag`, else the primary. Clients that cannot be served get a PostgreSQL error
/// (SQLSTATE 08006, or 53300 when `max_server_connections` stays full for `queue_timeout`). On graceful
/// shutdown the listeners close and so do the sessions.
///
/// ```swift
/// let proxy = PostgresProxy(clusters: configuration.postgres, logger: logger)
/// let group = ServiceGroup(services: [proxy], logger: logger)
/// ```
public final class PostgresProxy: Service, PostgresStatusSource, Sendable {
    private let runtimes: [ClusterRuntime]
    private let logger: Logger
    private let clock: any Clock<Duration>
    private let group: any EventLoopGroup
    private let ports = Mutex<PortsState>(.binding([]))

    private enum PortsState {
        case binding([CheckedContinuation<[String: PostgresListenerPorts], any Error>])
        case bound([String: PostgresListenerPorts])
        case failed(any Error)
    }

    /// A proxy for `clusters`.
    /// - Parameters:
    ///   - clusters: the `postgres:` section.
    ///   - logger: where topology changes and slow queries are logged.
    ///   - metricsFactory: where the `bulwark_postgres_*` metrics go.
    ///   - clock: what the check loop sleeps on.
    public init(
        clusters: [PostgresClusterSettings], logger: Logger, metricsFactory: any MetricsFactory = MetricsSystem.factory,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        let telemetry = PostgresTelemetry(factory: metricsFactory)
        self.runtimes = clusters.map { ClusterRuntime(settings: $0, logger: logger, telemetry: telemetry) }
        self.logger = logger
        self.clock = clock
        self.group = MultiThreadedEventLoopGroup.singleton
    }

    /// Checks, binds, relays; returns after graceful shutdown (or cancellation) once every listener and
    /// session is closed. Throws when a listener cannot be bound, naming its key path.
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for runtime in runtimes { group.addTask { await self.checkRound(runtime) } }
        }
        var listeners: [any Channel] = []
        do {
            var bound: [String: PostgresListenerPorts] = [:]
            for runtime in runtimes {
                var ports = PostgresListenerPorts(primary: nil, replicas: nil)
                for role in PostgresListenerRole.allCases {
                    guard let address = runtime.settings.listen[role] else { continue }
                    let channel = try await bind(address, role: role, runtime: runtime)
                    listeners.append(channel)
                    let port = channel.localAddress?.port
                    if role == .primary { ports.primary = port } else { ports.replicas = port }
                    runtime.listening(role, at: ListenAddress(host: address.host, port: port ?? address.port).description)
                    logger.info("postgres: cluster '\(runtime.name)' \(role.rawValue) listener on \(address.host):\(port ?? address.port)")
                }
                bound[runtime.name] = ports
            }
            resolvePorts(.bound(bound))
        } catch {
            resolvePorts(.failed(error))
            for channel in listeners { try? await channel.close() }
            throw error
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for runtime in self.runtimes { group.addTask { await self.checkLoop(runtime) } }
            }
        }
        for channel in listeners { try? await channel.close() }
        for runtime in runtimes { runtime.closeAll() }
    }

    /// Every cluster as `/api/postgres` shows it.
    public func status(now: Date = Date()) -> PostgresStatus {
        PostgresStatus(clusters: runtimes.map { $0.status() })
    }

    /// Waits until every listener is bound (after the first check round); returns cluster name → ports.
    /// Throws the bind error when a listener could not be bound.
    public func listeningPorts() async throws -> [String: PostgresListenerPorts] {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<[String: PostgresListenerPorts], any Error>? = ports.withLock { state in
                switch state {
                case .binding(var waiting):
                    waiting.append(continuation)
                    state = .binding(waiting)
                    return nil
                case .bound(let ports): return .success(ports)
                case .failed(let error): return .failure(error)
                }
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    private func resolvePorts(_ outcome: PortsState) {
        let waiting: [CheckedContinuation<[String: PostgresListenerPorts], any Error>] = ports.withLock { state in
            guard case .binding(let waiting) = state else { return [] }
            state = outcome
            return waiting
        }
        for continuation in waiting {
            switch outcome {
            case .bound(let ports): continuation.resume(returning: ports)
            case .failed(let error): continuation.resume(throwing: error)
            case .binding: break
            }
        }
    }

    private func bind(_ address: ListenAddress, role: PostgresListenerRole, runtime: ClusterRuntime) async throws -> any Channel {
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.socketOption(.so_keepalive), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ClientSessionHandler(runtime: runtime, listener: role))
                    }
                }
                .bind(host: address.host, port: address.port)
                .get()
        } catch {
            throw PostgresListenError(keyPath: "postgres.\(runtime.name).listen.\(role.rawValue)", address: address.description, reason: ConnectFailure.words(error))
        }
    }

    /// Rounds start every `check.interval` (a round's own time is not added to the wait), so a failover
    /// is seen at most one interval after it, plus the time the new primary takes to answer.
    private func checkLoop(_ runtime: ClusterRuntime) async {
        var elapsed = Duration.zero
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: max(.zero, runtime.settings.check.interval - elapsed))
            } catch {
                return
            }
            let start = ContinuousClock.now
            await checkRound(runtime)
            elapsed = start.duration(to: .now)
        }
    }

    /// Checks every server of `runtime` at once and records the round.
    private func checkRound(_ runtime: ClusterRuntime) async {
        let checker = ServerChecker(settings: runtime.settings.check, logger: logger)
        let results = await withTaskGroup(of: (String, ServerCheckResult).self) { group in
            for server in runtime.settings.servers {
                group.addTask { (server.description, await checker.check(server)) }
            }
            var results: [String: ServerCheckResult] = [:]
            for await (server, result) in group { results[server] = result }
            return results
        }
        runtime.recordRound(results, now: Date())
    }
}

/// A cluster listener could not be bound.
public struct PostgresListenError: Error, CustomStringConvertible {
    /// `postgres.NAME.listen.primary` or `.replicas`.
    public var keyPath: String
    /// The address asked for.
    public var address: String
    /// Why (`address already in use`).
    public var reason: String

    public var description: String { "\(keyPath): cannot listen on \(address): \(reason)" }
}

extension PostgresListenSettings {
    subscript(role: PostgresListenerRole) -> ListenAddress? {
        switch role {
        case .primary: primary
        case .replicas: replicas
        }
    }
}
