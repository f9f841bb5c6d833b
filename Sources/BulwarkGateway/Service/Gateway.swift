import BulwarkAudit
import BulwarkConfig
import BulwarkRedis
import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOPosix
import Resilience
import ServiceLifecycle
import Synchronization

/// `bulwark serve`: the reverse proxy, its health checks and its graceful drain, as a swift-service-
/// lifecycle `Service`. On graceful shutdown (SIGTERM in `bulwark serve`) it stops accepting, lets
/// in-flight requests finish for up to `server.drain_timeout`, then returns.
///
/// ```swift
/// let gateway = try Gateway(configuration: .embedded(targets: [app], listen: nil))
/// let group = ServiceGroup(services: [gateway], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public final class Gateway: Service, Sendable {
    /// The configuration in force (after a reload, the reloaded one; keys that need a restart keep the
    /// values the gateway started with).
    public var configuration: BulwarkConfiguration { runtime.configuration }
    let runtime: GatewayRuntime
    let group: any EventLoopGroup
    let logger: Logger
    let redis: RedisClient?
    /// The shared rate-limit store when `redis.url` is set.
    let sharedRateLimits: RedisRateLimitStore?
    private let started = SetOnceValue()
    private let redirectPort = SetOnceValue()

    /// Builds the gateway (no sockets are opened until ``run()``).
    /// - Parameters:
    ///   - metricsFactory: where its metrics go; default the process-wide `MetricsSystem.factory`.
    ///   - instanceObserver: told when client and upstream connection objects are created and freed
    ///     (for leak checks); default none.
    ///   - cacheClock: the response cache's clock (freshness, ages, windows); tests pass a manual one.
    ///   - wallClock: seconds since 1970, what bearer tokens' `exp`, `nbf` and `iat` are checked against;
    ///     tests pass their own.
    ///   - audit: where the records of audited requests go (`audit:`; the `AuditLog` in `bulwark serve`);
    ///     default none, and then no request is audited.
    /// - Throws: ``ConfigurationError`` for inconsistent settings, or an error opening the access log.
    public init(
        configuration: BulwarkConfiguration,
        logger: Logger = Logger(label: "bulwark.gateway"),
        eventLoopGroup: (any EventLoopGroup)? = nil,
        metricsFactory: (any MetricsFactory)? = nil,
        instanceObserver: (any InstanceObserver)? = nil,
        cacheClock: any Clock<Duration> = ContinuousClock(),
        wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        audit: (any AuditRecording)? = nil
    ) throws {
        let eventLoopGroup = eventLoopGroup ?? (configuration.server.threads > 0
            ? MultiThreadedEventLoopGroup(numberOfThreads: configuration.server.threads)
            : MultiThreadedEventLoopGroup.singleton)
        self.logger = logger
        self.group = eventLoopGroup
        let backend: RouteRateLimiter.Backend
        if let redis = configuration.redis {
            let client = try RedisClient(url: redis.url, logger: logger)
            self.redis = client
            let store = try RedisRateLimitStore(client: client, logger: logger, metricsFactory: metricsFactory)
            self.sharedRateLimits = store
            backend = .shared(store)
        } else {
            self.redis = nil
            self.sharedRateLimits = nil
            backend = .memory(InMemoryRateLimitStore(metricsFactory: metricsFactory ?? MetricsSystem.factory))
        }
        let loops = Array(eventLoopGroup.makeIterator())
        let sharedRedis = self.redis
        let responseCache = try configuration.cache.map { settings in
            try ResponseCache(settings: settings, redis: sharedRedis, eventLoopGroup: eventLoopGroup, clock: cacheClock, metricsFactory: metricsFactory ?? MetricsSystem.factory, logger: logger)
        }
        let authentication = GatewayAuthentication(
            settings: configuration.auth ?? AuthSettings(), redis: sharedRedis, wallClock: wallClock,
            logger: logger, metricsFactory: metricsFactory ?? MetricsSystem.factory
        )
        self.runtime = try GatewayRuntime(
            configuration: configuration, eventLoops: loops, rateLimitBackend: backend,
            metricsFactory: metricsFactory ?? MetricsSystem.factory, logger: logger,
            instanceObserver: instanceObserver, responseCache: responseCache, authentication: authentication,
            auditRecorder: audit
        )
        self.healthChecks = HealthCheckSupervisor(group: eventLoopGroup, logger: logger)
    }

    /// Bearer-token verification and the revocation list (`auth:`): key-set status and revocation for
    /// the admin API.
    public var authentication: GatewayAuthentication? { runtime.authentication }

    /// The HTTP response cache (`cache:`), nil when no route caches: figures and purging for the admin API.
    public var responseCache: ResponseCache? { runtime.responseCache }

    /// The upstreams at run time (targets, health, breakers), for the admin API and tests.
    public var upstreams: [UpstreamCluster] { runtime.clusters }

    /// The routes, in matching order, each with its upstream.
    public var routes: [(label: String, upstream: UpstreamCluster)] {
        runtime.router.routes.map { ($0.label, $0.cluster) }
    }

    /// Traffic counters and per-route statistics.
    public var telemetry: GatewayTelemetry { runtime.telemetry }

    /// Whether a graceful shutdown has begun (readiness then fails).
    public var isDraining: Bool { runtime.isDraining }

    /// The health-check loops of the upstreams in force (restarted for upstreams a reload rebuilds).
    let healthChecks: HealthCheckSupervisor

    /// The Redis client shared rate limits use, when `redis:` is configured (for health checks).
    public var redisClient: RedisClient? { redis }

    /// Requests this instance holds in rate-limit leases and has not spent yet (`mode: leased`): what it
    /// may still admit beyond the shared count. 0 without Redis.
    public var leasedRateLimitOutstanding: Int { sharedRateLimits?.leases.outstanding ?? 0 }

    /// The current monotonic time in nanoseconds, the clock target ejections are measured on.
    public static func monotonicNow() -> Int64 { Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds) }

    /// Waits until the listener is bound and returns its port.
    public func listeningPort() async -> Int { await started.value }

    /// Waits until the listeners are bound and returns the port of the `server.redirect_http` listener
    /// (0 when there is none).
    public func redirectListeningPort() async -> Int { await redirectPort.value }

    /// Runs until graceful shutdown or cancellation, then drains.
    public func run() async throws {
        // Keys first: a listener that accepted before them would refuse every token.
        try await runtime.authentication?.start()
        let server: GatewayServer
        do {
            server = try await GatewayServer.bind(runtime: runtime, group: group)
        } catch {
            runtime.authentication?.stop()
            throw error
        }
        let port = server.localAddress?.port ?? configuration.server.listen.port
        logger.notice("bulwark listening", metadata: [
            "listen": "\(configuration.server.listen.host):\(port)",
            "scheme": "\(configuration.server.tls == nil ? "http" : "https")",
            "upstreams": "\(runtime.clusters.map(\.name).joined(separator: ","))",
            "routes": "\(runtime.router.routes.count)",
        ])
        var redirect: HTTPSRedirectServer?
        if let address = configuration.server.redirectHTTP, configuration.server.tls != nil {
            redirect = try await HTTPSRedirectServer.bind(address, httpsPort: port, server: configuration.server, group: group)
            logger.notice("redirecting plain HTTP to https", metadata: ["listen": "\(address.host):\(redirect?.port ?? address.port)"])
        }
        redirectPort.set(redirect?.port ?? 0)
        for cluster in runtime.clusters where cluster.skipsTLSVerification {
            logger.warning("upstream TLS certificates are not verified (tls.verify: false): anyone on the path can impersonate its targets", metadata: ["upstream": "\(cluster.name)"])
        }
        started.set(port)
        for cluster in runtime.clusters { cluster.startCredentials() }
        healthChecks.run(for: runtime.clusters)
        defer { healthChecks.stopAll() }
        await withTaskGroup(of: Void.self) { tasks in
            let runtime = self.runtime
            tasks.addTask {
                await TargetAddressRefresher(
                    upstreams: { runtime.clusters }, resolve: TargetAddressRefresher.systemResolve, logger: self.logger
                ).run()
            }
            if runtime.certificates.material != nil {
                tasks.addTask {
                    await runtime.certificates.watch(settings: { runtime.configuration.server.tls }, logger: self.logger)
                }
            }
            tasks.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(200))
                    self.runtime.accessLog.flush()
                }
            }
            if let bus = runtime.responseCache?.bus {
                tasks.addTask { await bus.run() }
            }
            if let authentication = runtime.authentication {
                tasks.addTask { await authentication.run() }
            }
            await withGracefulShutdownHandler {
                await (try? gracefulShutdown())
            } onGracefulShutdown: {
                self.logger.notice("shutdown requested: draining", metadata: ["drain_timeout": "\(DurationSyntax.format(self.configuration.server.drainTimeout))"])
            }
            await redirect?.close()
            let inFlight = runtime.connections.count
            await server.drain(timeout: configuration.server.drainTimeout, logger: logger)
            logger.notice("drained; stopping", metadata: ["connections_at_shutdown": "\(inFlight)"])
            tasks.cancelAll()
        }
        for cluster in runtime.clusters { cluster.stopCredentials() }
        await runtime.responseCache?.shutdown()
        await redis?.shutdown()
    }
}

/// A value set once and awaited by any number of readers.
final class SetOnceValue: Sendable {
    private let state = Mutex<(value: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    func set(_ value: Int) {
        let waiters = state.withLock { state in
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    var value: Int {
        get async {
            await withCheckedContinuation { continuation in
                let ready: Int? = state.withLock { state in
                    if let value = state.value { return value }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
