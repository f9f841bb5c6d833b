import BulwarkAudit
import BulwarkConfig
import CoreMetrics
import Logging
import NIOCore
import Resilience
import Synchronization

/// What every connection handler shares: the snapshot of routes and upstreams in force (swapped by a
/// reload), rate limiting, the access log, telemetry and the per-event-loop connection pools.
final class GatewayRuntime: Sendable {
    let rateLimiter: RouteRateLimiter
    let accessLog: AccessLog
    let telemetry: GatewayTelemetry
    let logger: Logger
    /// HTTP/2 connections and the errors that ended them.
    let http2Telemetry: HTTP2Telemetry
    /// The HTTPS listener's certificates (none when it speaks plain HTTP).
    let certificates: ListenerCertificates
    private let pools: [ObjectIdentifier: UpstreamConnectionPool]
    let connections = ConnectionTracker()
    private let draining = Atomic<Bool>(false)
    /// The response cache (`cache:`), nil when no route caches.
    let responseCache: ResponseCache?
    /// Bearer-token verification and revocation (`auth:`); there even without `auth:`, so a reload can
    /// add it.
    let authentication: GatewayAuthentication?
    /// The audit log's part (`audit:`), nil without the section.
    let audit: GatewayAudit?
    /// Hears about client and upstream connection objects being created and freed (leak checks).
    let instanceObserver: (any InstanceObserver)?
    private let current: Mutex<GatewaySnapshot>
    /// Serialises reloads and membership changes (planning, committing and swapping as one step).
    private let changes = Mutex<Void>(())

    init(
        configuration: BulwarkConfiguration,
        eventLoops: [any EventLoop],
        rateLimitBackend: RouteRateLimiter.Backend,
        metricsFactory: any MetricsFactory,
        logger: Logger,
        transport: any UpstreamTransport = TCPUpstreamTransport(),
        instanceObserver: (any InstanceObserver)? = nil,
        responseCache: ResponseCache? = nil,
        authentication: GatewayAuthentication? = nil,
        auditRecorder: (any AuditRecording)? = nil
    ) throws {
        self.audit = configuration.audit.map { GatewayAudit(recorder: auditRecorder, settings: $0, logger: logger) }
        self.instanceObserver = instanceObserver
        self.responseCache = responseCache
        self.authentication = authentication
        self.logger = logger
        let telemetry = GatewayTelemetry(routes: [], upstreams: [], factory: metricsFactory)
        self.telemetry = telemetry
        self.http2Telemetry = HTTP2Telemetry(factory: metricsFactory)
        self.certificates = try ListenerCertificates(
            settings: configuration.server.tls, offersHTTP2: configuration.server.http2.enabled, telemetry: TLSTelemetry(factory: metricsFactory), logger: logger)
        self.current = Mutex(try GatewaySnapshot.plan(configuration, previous: nil, logger: logger).commit(telemetry: telemetry))
        self.rateLimiter = RouteRateLimiter(backend: rateLimitBackend, eventLoops: eventLoops, logger: logger)
        self.accessLog = try AccessLog(destination: configuration.server.accessLog, metricsFactory: metricsFactory)
        var pools: [ObjectIdentifier: UpstreamConnectionPool] = [:]
        for loop in eventLoops { pools[ObjectIdentifier(loop)] = UpstreamConnectionPool(eventLoop: loop, transport: transport, observer: instanceObserver) }
        self.pools = pools
    }

    /// The snapshot new requests are decided with.
    var snapshot: GatewaySnapshot { current.withLock { $0 } }

    /// The configuration in force.
    var configuration: BulwarkConfiguration { snapshot.configuration }
    var router: Router { snapshot.router }
    var clusters: [UpstreamCluster] { snapshot.clusters }

    /// Plans, commits and swaps in the snapshot for `configuration`, all or nothing; returns the
    /// snapshot it replaced. Idle connections of targets that left are closed on their event loops.
    func install(_ configuration: BulwarkConfiguration) throws(ConfigurationError) -> GatewaySnapshot {
        let previous: GatewaySnapshot = try changes.withLock { _ throws(ConfigurationError) in
            let previous = snapshot
            let plan = try GatewaySnapshot.plan(configuration, previous: previous, logger: logger)
            let next = try plan.commit(telemetry: telemetry)
            current.withLock { $0 = next }
            return previous
        }
        closeRetiredConnections()
        return previous
    }

    /// Runs a membership change under the same lock as reloads, then closes what it retired.
    func changeMembership<T>(_ change: () throws(ConfigurationError) -> T) throws(ConfigurationError) -> T {
        let result = try changes.withLock { _ throws(ConfigurationError) in try change() }
        closeRetiredConnections()
        return result
    }

    private func closeRetiredConnections() {
        for pool in pools.values {
            pool.eventLoop.execute { pool.closeRetired() }
        }
    }

    /// The connection pool of `eventLoop`.
    func pool(for eventLoop: any EventLoop) -> UpstreamConnectionPool {
        pools[ObjectIdentifier(eventLoop)]!
    }

    var allPools: [UpstreamConnectionPool] { Array(pools.values) }

    /// Whether the gateway is draining (responses then carry `Connection: close`).
    var isDraining: Bool { draining.load(ordering: .relaxed) }

    func beginDraining() { draining.store(true, ordering: .relaxed) }
}

/// Open client connections, so a drain can ask each to finish and then wait for them.
final class ConnectionTracker: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Tracks `channel` unless `limit` connections are open already; returns whether it was added.
    func add(_ channel: any Channel, limit: Int = .max) -> Bool {
        let added = channels.withLock { channels in
            guard channels.count < limit else { return false }
            channels[ObjectIdentifier(channel)] = channel
            return true
        }
        guard added else { return false }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.channels.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
        }
        return true
    }

    var count: Int { channels.withLock { $0.count } }
    var all: [any Channel] { channels.withLock { Array($0.values) } }
}
