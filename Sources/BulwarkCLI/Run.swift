import ArgumentParser
import BulwarkConfig
import BulwarkSupervisor
import Foundation

/// `bulwark run`: starts the app's instances (`processes:`, or the command after `--`), makes each a
/// gateway target once ready, restarts them when they crash, and runs everything `serve` runs.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start, watch and restart your app's instances behind the gateway.",
        discussion: """
        One command for an app's whole high-availability layer:
          bulwark run --instances 3 --port-base 3001 -- node dist/index.js   # PORT=3001..3003, gateway on :8080
          bulwark run --config bulwark.yaml                                  # the processes: section
        Each instance gets its PORT, joins the gateway's pool once ready, leaves it before it stops, and is \
        restarted with backoff when it crashes. `bulwark processes restart app` replaces them one at a time.
        """
    )

    @Option(name: .long, help: "The configuration file (default ./bulwark.yaml when present and no command is given).")
    var config: String?

    @Option(name: .long, help: "How many instances of the command to run (default 1).")
    var instances: Int?

    @Option(name: .long, help: "The first instance's PORT (default 3001); instances use port-base … port-base + 2×instances − 1.")
    var portBase: Int?

    @Option(name: .long, help: "Where the gateway listens, HOST:PORT (overrides server.listen).")
    var listen: String?

    @Option(name: .long, help: "Where the admin API listens, HOST:PORT (overrides admin.listen).")
    var adminListen: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Argument(parsing: .postTerminator, help: "The app's command, after --, e.g. -- node dist/index.js")
    var command: [String] = []

    func run() async throws {
        let (configuration, path) = try resolveConfiguration()
        let lock: SupervisorLock
        do {
            lock = try path.map { try SupervisorLock.acquire(forConfiguration: $0) }
                ?? SupervisorLock.acquire(
                    key: "\(FileManager.default.currentDirectoryPath)\u{0}\(command.joined(separator: "\u{0}"))",
                    subject: "'\(command.joined(separator: " "))' in \(FileManager.default.currentDirectoryPath)"
                )
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        for group in configuration.processes {
            for port in group.portBase..<(group.portBase + group.instances) {
                let keyPath = command.isEmpty ? "processes.\(group.name).port_base" : "--port-base"
                if let taken = PortAvailability.check(port: port).message(port: port, keyPath: keyPath) {
                    printError("error: \(taken)")
                    throw ExitCode(1)
                }
            }
        }
        let logger = makeLogger(label: "bulwark", level: logLevel)
        let overrides = Serve.CommandLineOverrides.parsing(listen: listen, adminListen: adminListen)
        let stack = try GatewayStack.build(configuration: configuration, path: path, overrides: overrides, supervise: true, logger: logger)
        try await stack.run()
        withExtendedLifetime(lock) {}
    }

    func resolveConfiguration() throws -> (BulwarkConfiguration, String?) {
        var configuration: BulwarkConfiguration
        var path: String?
        if !command.isEmpty {
            guard config == nil else {
                printError("error: give either --config or a command after --, not both")
                throw ExitCode(1)
            }
            configuration = .runCommand(command: command, instances: instances ?? 1, portBase: portBase ?? 3001, listen: try listenFlag())
            if let value = ProcessInfo.processInfo.environment["BULWARK_ADMIN_LISTEN"], case .success(let address) = ListenAddress.parse(value) {
                configuration.admin.listen = address
            }
            if let adminListen, case .success(let address) = ListenAddress.parse(adminListen) { configuration.admin.listen = address }
            let problems = configuration.processValidationIssues()
            if !problems.isEmpty {
                printError("error: " + problems.map { "\(Self.flag(for: $0.keyPath)): \($0.problem)" }.joined(separator: "\n  "))
                throw ExitCode(1)
            }
        } else {
            guard instances == nil, portBase == nil else {
                printError("error: --instances and --port-base go with a command after --; with a file, set processes.NAME.instances and port_base")
                throw ExitCode(1)
            }
            do {
                guard case (let loaded, let file)? = try ConfigurationLoading.load(path: config) else {
                    printError("error: nothing to run: pass a command after -- (bulwark run --instances 2 -- node server.js) or --config FILE with a processes: section")
                    throw ExitCode(1)
                }
                (configuration, path) = (loaded, file)
            } catch let failure as ConfigurationFailure {
                printError("error: \(failure)")
                throw ExitCode(1)
            }
            if configuration.processes.isEmpty {
                printError("error: \(path ?? "the configuration") has no processes: section; add one (see docs/run.md), or use bulwark serve")
                throw ExitCode(1)
            }
        }
        for (flag, value) in [("--listen", listen), ("--admin-listen", adminListen)] {
            guard let value else { continue }
            switch ListenAddress.parse(value) {
            case .success(let address):
                if flag == "--listen" { configuration.server.listen = address } else { configuration.admin.listen = address }
            case .failure(let problem):
                printError("error: \(flag): \(problem)")
                throw ExitCode(1)
            }
        }
        return (configuration, path)
    }

    /// `--listen`, parsed; exits 1 when it is not `HOST:PORT`.
    func listenFlag() throws -> ListenAddress? {
        guard let listen else { return nil }
        switch ListenAddress.parse(listen) {
        case .success(let address): return address
        case .failure(let problem):
            printError("error: --listen: \(problem)")
            throw ExitCode(1)
        }
    }

    /// The flag a problem of the built-in configuration comes from.
    static func flag(for keyPath: String) -> String {
        if keyPath.hasSuffix(".instances") { return "--instances" }
        if keyPath.hasSuffix(".port_base") { return "--port-base" }
        return keyPath
    }
}
