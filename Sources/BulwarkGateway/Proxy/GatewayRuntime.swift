import BulwarkConfig
import CoreMetrics
import Logging
import NIOCore
import Resilience
import Synchronization

/// What every connection handler shares: routes, upstreams, rate limiting, the access log and the
/// per-event-loop connection pools. Built once from a ``BulwarkConfiguration``.
final class GatewayRuntime: Sendable {
    let configuration: BulwarkConfiguration
    let router: Router
    let clusters: [UpstreamCluster]
    let clientResolver: ClientAddressResolver
    let rateLimiter: RouteRateLimiter
    let accessLog: AccessLog
    let telemetry: GatewayTelemetry
    let logger: Logger
    /// Resolved target addresses (resolved once at start; nil falls back to connecting by name).
    let addresses: [ObjectIdentifier: SocketAddress]
    private let pools: [ObjectIdentifier: UpstreamConnectionPool]
    let connections = ConnectionTracker()
    /// The limits every request head is vetted against.
    let vettingLimits: RequestVetting.Limits
    private let draining = Atomic<Bool>(false)
    /// Hears about client and upstream connection objects being created and freed (leak checks).
    let instanceObserver: (any InstanceObserver)?

    init(
        configuration: BulwarkConfiguration,
        eventLoops: [any EventLoop],
        rateLimitBackend: RouteRateLimiter.Backend,
        metricsFactory: any MetricsFactory,
        logger: Logger,
        transport: any UpstreamTransport = TCPUpstreamTransport(),
        instanceObserver: (any InstanceObserver)? = nil
    ) throws {
        self.instanceObserver = instanceObserver
        self.configuration = configuration
        self.logger = logger
        self.vettingLimits = RequestVetting.Limits(
            maxHeaderCount: configuration.server.maxHeaderCount, pathEscapes: configuration.server.pathEscapes
        )
        var clusters: [UpstreamCluster] = []
        for upstream in configuration.upstreams {
            clusters.append(try UpstreamCluster(settings: upstream, logger: logger))
        }
        self.clusters = clusters
        var routes: [CompiledRoute] = []
        for (index, route) in configuration.routes.enumerated() {
            guard let cluster = clusters.first(where: { $0.name == route.upstream }) else {
                throw ConfigurationError(issues: [ConfigurationIssue(keyPath: "routes[\(index)].upstream", problem: "no upstream named '\(route.upstream)'")])
            }
            let limits = route.rateLimits.compactMap { configuration.rateLimitClass(named: $0) }
            routes.append(CompiledRoute(index: index, settings: route, cluster: cluster, rateLimits: limits))
        }
        self.router = Router(routes: routes)
        self.telemetry = GatewayTelemetry(routes: routes.map(\.label), upstreams: clusters.map(\.name), factory: metricsFactory)
        self.clientResolver = ClientAddressResolver(trustedProxies: configuration.server.trustedProxies)
        self.rateLimiter = RouteRateLimiter(backend: rateLimitBackend, logger: logger)
        self.accessLog = try AccessLog(destination: configuration.server.accessLog, metricsFactory: metricsFactory)
        var addresses: [ObjectIdentifier: SocketAddress] = [:]
        for target in clusters.flatMap(\.targets) {
            addresses[ObjectIdentifier(target)] = try? SocketAddress.makeAddressResolvingHost(target.target.host, port: target.target.port)
        }
        self.addresses = addresses
        var pools: [ObjectIdentifier: UpstreamConnectionPool] = [:]
        for loop in eventLoops { pools[ObjectIdentifier(loop)] = UpstreamConnectionPool(eventLoop: loop, transport: transport, observer: instanceObserver) }
        self.pools = pools
    }

    /// The connection pool of `eventLoop`.
    func pool(for eventLoop: any EventLoop) -> UpstreamConnectionPool {
        pools[ObjectIdentifier(eventLoop)]!
    }

    /// Where to connect to `target` (nil: connect by name).
    func address(for target: TargetState) -> SocketAddress? {
        addresses[ObjectIdentifier(target)]
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
