import ArgumentParser
import BulwarkBackup
import BulwarkConfig
import BulwarkGateway
import BulwarkOperations
import BulwarkSupervisor
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// `bulwark serve`: runs the gateway until SIGTERM or SIGINT, then drains and exits 0.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway in front of your app.",
        discussion: """
        With --config (or ./bulwark.yaml) the file decides everything. Without a file, --upstream runs one \
        upstream with default policies and in-memory rate limits:
          bulwark serve --upstream http://127.0.0.1:3001 --upstream http://127.0.0.1:3002 --listen 0.0.0.0:8080
        """
    )

    @Option(name: .long, help: "The configuration file (default ./bulwark.yaml when present).")
    var config: String?

    @Option(name: .long, help: "An app instance, e.g. http://127.0.0.1:3000 (repeatable); used when there is no file.")
    var upstream: [String] = []

    @Option(name: .long, help: "Where to listen, HOST:PORT (overrides server.listen).")
    var listen: String?

    @Option(name: .long, help: "Where the admin API listens, HOST:PORT (overrides admin.listen).")
    var adminListen: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let (configuration, path) = try resolveConfiguration()
        let logger = makeLogger(label: "bulwark", level: logLevel)
        // One registry for the gateway's, the admin's and the core policies' metrics.
        let exporter = PrometheusExporter()
        MetricsSystem.bootstrap(exporter.factory)
        let gateway: Gateway
        let admin: AdminService
        var reloader: ConfigurationFileReloader?
        var scheduler: BackupScheduler?
        do {
            gateway = try Gateway(configuration: configuration, logger: logger, metricsFactory: exporter.factory)
            if let path {
                let overrides = commandLineOverrides()
                reloader = ConfigurationFileReloader(gateway: gateway, path: path) { overrides.apply(to: &$0) }
            }
            var checks: [DependencyCheck] = []
            if let backup = configuration.backup, let schedule = backup.schedule {
                let manager = try BackupManager(settings: backup, logger: logger)
                let backups = BackupScheduler(manager: manager, schedule: schedule, logger: logger, metricsFactory: exporter.factory)
                checks.append(BackupFreshnessProbe.check(scheduler: backups, interval: configuration.alerts.interval))
                scheduler = backups
            }
            admin = try AdminService(
                gateway: gateway, exporter: exporter, version: Bulwark.version,
                configurationText: path.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? "\(configuration)",
                configurationPath: path, extraChecks: checks, reloader: reloader, logger: logger
            )
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        // Services stop in reverse order: the gateway drains first while readiness answers 503.
        // The dependency checks stop last: /health keeps its results until the end.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = admin.checkServices().map { .init(service: $0) }
        services.append(.init(service: admin))
        if let scheduler { services.append(.init(service: scheduler)) }
        services.append(.init(service: ReloadOnHangup(reloader: reloader, logger: logger)))
        services.append(.init(service: gateway))
        // Last, so told first: STOPPING=1 goes out as graceful shutdown begins, before the gateway drains.
        if let notify = systemdNotifyService(gateway: gateway, admin: admin, adminEnabled: configuration.admin.enabled, logger: logger) {
            services.append(.init(service: notify))
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Under systemd (`NOTIFY_SOCKET` set, `Type=notify`): READY=1 once the gateway's and the admin API's
    /// listeners are bound, WATCHDOG=1 on `WATCHDOG_USEC`'s interval, STOPPING=1 at graceful shutdown.
    func systemdNotifyService(gateway: Gateway, admin: AdminService, adminEnabled: Bool, logger: Logger) -> SystemdNotifyService? {
        guard let notifier = SystemdNotifier(environment: ProcessInfo.processInfo.environment, logger: logger) else { return nil }
        return SystemdNotifyService(notifier: notifier, waitUntilReady: {
            let port = await gateway.listeningPort()
            var status = "serving on port \(port)"
            if adminEnabled { status += ", admin API on port \(await admin.listeningPort())" }
            notifier.status(status)
        }, logger: logger)
    }

    /// The flags that override keys of the file, applied again to every reloaded configuration.
    struct CommandLineOverrides: Sendable {
        var listen: ListenAddress?
        var adminListen: ListenAddress?

        func apply(to configuration: inout BulwarkConfiguration) {
            if let listen { configuration.server.listen = listen }
            if let adminListen { configuration.admin.listen = adminListen }
        }
    }

    /// `--listen` and `--admin-listen` as parsed (they were validated when the gateway started).
    func commandLineOverrides() -> CommandLineOverrides {
        CommandLineOverrides(
            listen: listen.flatMap { try? ListenAddress.parse($0).get() },
            adminListen: adminListen.flatMap { try? ListenAddress.parse($0).get() }
        )
    }

    func resolveConfiguration() throws -> (BulwarkConfiguration, String?) {
        var (configuration, path) = try resolveFileOrFlags()
        if let adminListen {
            switch ListenAddress.parse(adminListen) {
            case .success(let address): configuration.admin.listen = address
            case .failure(let problem):
                printError("error: --admin-listen: \(problem)")
                throw ExitCode(1)
            }
        }
        return (configuration, path)
    }

    private func resolveFileOrFlags() throws -> (BulwarkConfiguration, String?) {
        var listenAddress: ListenAddress?
        if let listen {
            switch ListenAddress.parse(listen) {
            case .success(let address): listenAddress = address
            case .failure(let problem):
                printError("error: --listen: \(problem)")
                throw ExitCode(1)
            }
        }
        if !upstream.isEmpty {
            guard config == nil else {
                printError("error: give either --config or --upstream, not both")
                throw ExitCode(1)
            }
            var targets: [TargetURL] = []
            for (index, text) in upstream.enumerated() {
                switch TargetURL.parse(text) {
                case .success(let target): targets.append(target)
                case .failure(let problem):
                    printError("error: --upstream #\(index + 1): \(problem)")
                    throw ExitCode(1)
                }
            }
            var configuration = BulwarkConfiguration.embedded(targets: targets, listen: listenAddress)
            if let value = ProcessInfo.processInfo.environment["BULWARK_ADMIN_LISTEN"], case .success(let address) = ListenAddress.parse(value) {
                configuration.admin.listen = address
            }
            return (configuration, nil)
        }
        do {
            guard case (var configuration, let path)? = try ConfigurationLoading.load(path: config) else {
                printError("error: nothing to serve: pass --config FILE or --upstream URL (./\(ConfigurationLoading.defaultPath) does not exist)")
                throw ExitCode(1)
            }
            if configuration.routes.isEmpty, configuration.backup?.schedule == nil {
                printError("error: routes: no routes to serve; add a routes: section (or a single upstream, which gets a catch-all route)")
                throw ExitCode(1)
            }
            if let listenAddress { configuration.server.listen = listenAddress }
            return (configuration, path)
        } catch let failure as ConfigurationFailure {
            printError("error: \(failure)")
            throw ExitCode(1)
        }
    }
}

/// A stderr logger at `level` (unknown names fall back to info).
func makeLogger(label: String, level: String) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = Logger.Level(rawValue: level.lowercased()) ?? .info
    return logger
}
