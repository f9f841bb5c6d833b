import BulwarkAudit
import BulwarkConfig
import BulwarkGateway
import BulwarkPostgres
import Crypto
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import BulwarkSupervisor
import Synchronization

/// The admin listener and the health monitor of a running ``Gateway``, as a swift-service-lifecycle
/// `Service`: `/health/live`, `/health/ready`, `/health`, `/metrics`, the `/api/*` endpoints and the
/// dashboard on `admin.listen`, plus alert evaluation and webhooks.
///
/// Put it before the gateway in a `ServiceGroup`, so on SIGTERM the gateway drains first while
/// readiness answers 503, and the admin listener stops last.
public final class AdminService: Service, Sendable {
    /// The monitor behind `/health` and the alerts.
    public let monitor: HealthMonitor
    /// The `/metrics` exporter (bootstrap `MetricsSystem` with its factory before building the gateway).
    public let exporter: PrometheusExporter
    let settings: AdminSettings
    let api: AdminAPI
    let logger: Logger
    let group: any EventLoopGroup
    private let port = Mutex<(value: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    /// Builds the admin service for `gateway`.
    /// - Parameters:
    ///   - configurationText: the configuration file's bytes, hashed for `/api/system`.
    ///   - environment: where the token variable is read.
    ///   - reloader: what `POST /api/config/reload` runs (nil: the gateway has no file; it answers 409).
    ///   - audit: the audit log (with `audit:`): admin actions are recorded in it, `/api/audit` reads it
    ///     and the `audit_unavailable` and `audit_shipper_lag` alerts watch it.
    ///   - postgres: the PostgreSQL proxy (with `postgres:`): `/api/postgres` and the dashboard show its
    ///     clusters, `/health` has a check per cluster, and the `postgres_*` and `slow_query` alerts watch it.
    /// - Throws: ``AdminListenerError`` when no token is set and `admin.listen` is not a loopback address.
    public init(
        gateway: Gateway, exporter: PrometheusExporter, version: String,
        configurationText: String?, configurationPath: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        extraChecks: [DependencyCheck] = [],
        supervisor: ProcessSupervisor? = nil,
        reloader: ConfigurationFileReloader? = nil,
        audit: AuditLog? = nil,
        postgres: (any PostgresStatusSource)? = nil,
        logger: Logger = Logger(label: "bulwark.admin"),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        let configuration = gateway.configuration
        let settings = configuration.admin
        let token = AdminToken(environment[settings.tokenEnvironmentVariable])
        if settings.enabled, token == nil, !Self.isLoopback(settings.listen.host) {
            throw AdminListenerError.tokenRequired(listen: settings.listen.description, variable: settings.tokenEnvironmentVariable)
        }
        self.settings = settings
        self.exporter = exporter
        self.logger = logger
        self.group = eventLoopGroup
        let adminURL = "http://\(settings.listen.description)/"
        let notifier = try WebhookNotifier(urls: configuration.alerts.webhooks, timeout: configuration.alerts.webhookTimeout, logger: logger, metricsFactory: exporter.factory)
        self.monitor = HealthMonitor(
            snapshot: {
                var snapshot = GatewaySnapshot(of: gateway)
                snapshot.audit = audit.map { Observation.AuditObservation($0.status) }
                snapshot.postgres = postgres?.status(now: Date()).clusters ?? []
                return snapshot
            }, settings: configuration.alerts, sampleInterval: settings.sampleInterval,
            checks: try Self.checks(of: gateway, extra: extraChecks, logger: logger),
            processes: { supervisor?.status() ?? [] }, notifier: notifier, version: version,
            instance: Self.hostname(), externalURL: adminURL, directories: Self.watchedDirectories(of: configuration), logger: logger
        )
        let hash = configurationText.map(AdminAPI.SystemFacts.hash) ?? "none"
        self.api = AdminAPI(gateway: gateway, monitor: monitor, exporter: exporter, token: token, system: .init(
            configurationHash: hash, configurationPath: configurationPath,
            listen: configuration.server.listen.description, adminListen: settings.listen.description
        ), supervisor: supervisor, reloader: reloader, auditLog: audit,
        auditTrail: audit.map { AdminAuditTrail(recorder: $0, settings: configuration.audit ?? AuditSettings(), logger: logger) },
        postgres: postgres)
        if token == nil, settings.enabled {
            logger.warning("admin API has no token: open to anyone on this host", metadata: [
                "listen": "\(settings.listen)", "hint": "set \(settings.tokenEnvironmentVariable) to require a bearer token",
            ])
        }
    }

    /// The services running the dependency checks, one per kind: put them in the ServiceGroup
    /// (before this service) so `/health` has results.
    public func checkServices() -> [DependencyCheckService] { monitor.checkServices() }

    /// The gateway's own Redis (`redis`, not critical: rate limits fall back to local ones), then
    /// `extra`, then `health.checks`.
    static func checks(of gateway: Gateway, extra: [DependencyCheck], logger: Logger) throws(DependencyCheckSetupError) -> [DependencyCheck] {
        let alerts = gateway.configuration.alerts
        var checks: [DependencyCheck] = []
        if let client = gateway.redisClient {
            checks.append(DependencyCheck(
                name: "redis", kind: "redis", critical: false, interval: alerts.interval,
                timeout: max(alerts.dependencyLatency.error * 2, .seconds(1)), probe: RedisProbe(client: client)
            ))
        }
        checks += extra
        for (index, settings) in gateway.configuration.health.checks.enumerated() {
            checks.append(try DependencyCheck.configured(settings, at: index, logger: logger))
        }
        return checks
    }

    /// The backup directory and every `disk` check's path.
    static func watchedDirectories(of configuration: BulwarkConfiguration) -> [WatchedDirectory] {
        var directories: [WatchedDirectory] = []
        if let backup = configuration.backup { directories.append(WatchedDirectory(label: "backup", path: backup.directory)) }
        for check in configuration.health.checks {
            if case .disk(let path, _, _) = check.target { directories.append(WatchedDirectory(label: check.name, path: path)) }
        }
        return directories
    }

    /// Answers one request without a socket (tests, embedding in another server).
    public func respond(to request: AdminRequest) async -> AdminResponse { await api.respond(to: request) }

    /// Waits until the admin listener is bound and returns its port.
    public func listeningPort() async -> Int {
        await withCheckedContinuation { continuation in
            let ready: Int? = port.withLock { state in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Serves until graceful shutdown or cancellation.
    public func run() async throws {
        var channel: (any Channel)?
        if settings.enabled {
            let api = self.api
            do {
                channel = try await AdminServer.bind(host: settings.listen.host, port: settings.listen.port, group: group, logger: logger) { request in
                    await api.respond(to: request)
                }
            } catch {
                // The gateway keeps serving traffic: losing the admin API must not take the service down.
                let failure = AdminListenerError.bindFailed(listen: settings.listen.description, reason: "\(error)")
                logger.error("admin API unavailable; the gateway keeps serving", metadata: ["error": "\(failure)"])
            }
            let bound = channel?.localAddress?.port ?? 0
            if channel != nil { logger.notice("admin listening", metadata: ["admin_listen": "\(settings.listen.host):\(bound)"]) }
            let waiters = port.withLock { state in
                state.value = bound
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: bound) }
        }
        let notifier = monitor.notifier
        let delivery = Task { await notifier.run() }
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await self.monitor.run() }
            await (try? gracefulShutdown())
            tasks.cancelAll()
        }
        // Deliver what is queued (final resolves), for at most 5 s.
        notifier.finish()
        let deadline = Task {
            try await Task.sleep(for: .seconds(5))
            delivery.cancel()
        }
        await delivery.value
        deadline.cancel()
        try? await channel?.close()
    }

    static func isLoopback(_ host: String) -> Bool {
        ListenAddress(host: host, port: 0).isLoopback || host == "localhost"
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Why the admin listener could not start.
public enum AdminListenerError: Error, CustomStringConvertible {
    /// No token and a non-loopback address.
    case tokenRequired(listen: String, variable: String)
    /// The address could not be bound.
    case bindFailed(listen: String, reason: String)

    /// The explanation.
    public var description: String {
        switch self {
        case .tokenRequired(let listen, let variable):
            "admin.listen: refusing to serve the admin API on \(listen) without a token: anyone who can reach it could read metrics and open circuits. Set \(variable) (or admin.token_env) to a secret, or listen on 127.0.0.1 / ::1"
        case .bindFailed(let listen, let reason):
            "admin.listen: could not listen on \(listen): \(reason)"
        }
    }
}

