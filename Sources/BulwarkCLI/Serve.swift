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
        let stack = try GatewayStack.build(configuration: configuration, path: path, overrides: commandLineOverrides(), supervise: false, logger: logger)
        try await stack.run()
    }

    /// The flags that override keys of the file, applied again to every reloaded configuration.
    struct CommandLineOverrides: Sendable {
        var listen: ListenAddress?
        var adminListen: ListenAddress?

        /// `--listen` and `--admin-listen` as given (they were validated when the configuration was resolved).
        static func parsing(listen: String?, adminListen: String?) -> CommandLineOverrides {
            CommandLineOverrides(
                listen: listen.flatMap { try? ListenAddress.parse($0).get() },
                adminListen: adminListen.flatMap { try? ListenAddress.parse($0).get() }
            )
        }

        func apply(to configuration: inout BulwarkConfiguration) {
            if let listen { configuration.server.listen = listen }
            if let adminListen { configuration.admin.listen = adminListen }
        }
    }

    /// `--listen` and `--admin-listen` as parsed (they were validated when the gateway started).
    func commandLineOverrides() -> CommandLineOverrides {
        .parsing(listen: listen, adminListen: adminListen)
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
            if !configuration.processes.isEmpty {
                let names = configuration.processes.map(\.name).joined(separator: ", ")
                printError("error: processes: bulwark serve does not start processes (\(names)); run this file with bulwark run, which also does everything serve does")
                throw ExitCode(1)
            }
            if configuration.routes.isEmpty, configuration.backup?.schedule == nil, configuration.postgres.isEmpty {
                printError("error: routes: no routes to serve; add a routes: section (or a single upstream, which gets a catch-all route), or a postgres: section")
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
