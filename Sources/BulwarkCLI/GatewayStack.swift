import ArgumentParser
import BulwarkAudit
import BulwarkBackup
import BulwarkConfig
import BulwarkGateway
import BulwarkOperations
import BulwarkPostgres
import BulwarkSupervisor
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// What `bulwark serve` and `bulwark run` both start in one `ServiceGroup`: the gateway, the admin
/// API with its dependency checks, scheduled backups, SIGHUP reloads and systemd notification — and,
/// under `run`, the process supervisor whose instances are the gateway's targets — and, with `audit:`,
/// the audit log, which starts first and stops last.
struct GatewayStack {
    let configuration: BulwarkConfiguration
    let audit: AuditLog?
    let gateway: Gateway
    let admin: AdminService
    let scheduler: BackupScheduler?
    let reloader: ConfigurationFileReloader?
    let supervisor: ProcessSupervisor?
    let postgres: PostgresProxy?
    let logger: Logger

    /// Builds every part; prints the problem and exits 1 when one cannot be built.
    /// - Parameter supervise: whether to run `processes:` (`bulwark run`).
    static func build(
        configuration: BulwarkConfiguration, path: String?, overrides: Serve.CommandLineOverrides, supervise: Bool, logger: Logger
    ) throws -> GatewayStack {
        // One registry for the gateway's, the admin's, the supervisor's and the core policies' metrics.
        let exporter = PrometheusExporter()
        MetricsSystem.bootstrap(exporter.factory)
        // A file-size limit (ulimit -f) must fail the journal's writes with EFBIG, not kill the process.
        signal(SIGXFSZ, SIG_IGN)
        let audit = try openAuditLog(configuration.audit, logger: logger)
        do {
            let gateway = try Gateway(configuration: configuration, logger: logger, metricsFactory: exporter.factory, audit: audit)
            let supervisor = supervise
                ? ProcessSupervisor(groups: configuration.processes, pool: GatewayTargetPool(gateway: gateway), logger: logger, metricsFactory: exporter.factory)
                : nil
            let reloader = path.map { path in
                ConfigurationFileReloader(gateway: gateway, path: path, overrides: { overrides.apply(to: &$0) }, whenApplied: { applied in
                    supervisor?.reconfigure(applied.processes)
                })
            }
            var checks: [DependencyCheck] = []
            var scheduler: BackupScheduler?
            if let backup = configuration.backup, let schedule = backup.schedule {
                let manager = try BackupManager(settings: backup, logger: logger)
                let backups = BackupScheduler(manager: manager, schedule: schedule, logger: logger, metricsFactory: exporter.factory)
                checks.append(BackupFreshnessProbe.check(scheduler: backups, interval: configuration.alerts.interval))
                scheduler = backups
            }
            // The role-aware PostgreSQL listeners (`postgres:`), one service for every cluster.
            let postgres = configuration.postgres.isEmpty
                ? nil : PostgresProxy(clusters: configuration.postgres, logger: logger, metricsFactory: exporter.factory)
            let admin = try AdminService(
                gateway: gateway, exporter: exporter, version: Bulwark.version,
                configurationText: path.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "\(configuration)",
                configurationPath: path, extraChecks: checks, supervisor: supervisor, reloader: reloader, audit: audit, postgres: postgres, logger: logger
            )
            return GatewayStack(
                configuration: configuration, audit: audit, gateway: gateway, admin: admin, scheduler: scheduler,
                reloader: reloader, supervisor: supervisor, postgres: postgres, logger: logger
            )
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Runs until SIGTERM or SIGINT, then shuts down in order: systemd is told, the gateway drains
    /// (instances still serve), the supervisor stops the instances, the admin API and checks stop last.
    func run() async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // First, so it stops last: the gateway's and the admin API's last records still reach it.
        if let audit { services.append(.init(service: audit)) }
        services += admin.checkServices().map { .init(service: $0) }
        services.append(.init(service: admin))
        if let scheduler { services.append(.init(service: scheduler)) }
        services.append(.init(service: ReloadOnHangup(reloader: reloader, logger: logger)))
        if let supervisor { services.append(.init(service: supervisor)) }
        // Stops after the gateway: a Postgres session ends only when the HTTP traffic that may use it has.
        if let postgres { services.append(.init(service: postgres)) }
        services.append(.init(service: gateway))
        // Last, so told first: STOPPING=1 goes out as graceful shutdown begins, before the gateway drains.
        if let notify = systemdNotifyService() { services.append(.init(service: notify)) }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Opens the audit log of `settings` (nil without `audit:`); prints why and exits 1 when its journal
    /// cannot be opened (a directory that cannot be created or written, another process holding it).
    private static func openAuditLog(_ settings: AuditSettings?, logger: Logger) throws -> AuditLog? {
        guard let settings else { return nil }
        do {
            return try AuditLog(configuration: settings.logConfiguration, logger: logger)
        } catch let error as AuditDatabaseURLError {
            printError("error: audit.database_url: \(SecretRedaction.redactingURLs(in: "\(error)"))")
            throw ExitCode(1)
        } catch {
            printError("error: audit.journal: cannot open the audit journal at \(settings.journal): \(SecretRedaction.redactingURLs(in: "\(error)"))")
            throw ExitCode(1)
        }
    }

    /// Under systemd (`NOTIFY_SOCKET` set, `Type=notify`): READY=1 once the gateway's and the admin API's
    /// listeners are bound, WATCHDOG=1 on `WATCHDOG_USEC`'s interval, STOPPING=1 at graceful shutdown.
    private func systemdNotifyService() -> SystemdNotifyService? {
        guard let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment, logger: logger) else { return nil }
        let (gateway, admin, adminEnabled) = (gateway, admin, configuration.admin.enabled)
        return SystemdNotifyService(notifier: notifier, waitUntilReady: {
            let port = await gateway.listeningPort()
            var status = "serving on port \(port)"
            if adminEnabled { status += ", admin API on port \(await admin.listeningPort())" }
            notifier.status(status)
        }, logger: logger)
    }
}
