import ArgumentParser
import BulwarkConfig
import BulwarkGateway

/// `bulwark check`: validates a configuration file and exits 0 (valid) or 1 (every problem listed).
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate a configuration file; exit 0 when valid, 1 otherwise.")

    @Option(name: .long, help: "The configuration file (default ./bulwark.yaml).")
    var config: String?

    func run() throws {
        do {
            guard let (configuration, path) = try ConfigurationLoading.load(path: config) else {
                printError("error: no configuration file: pass --config FILE (./\(ConfigurationLoading.defaultPath) does not exist)")
                throw ExitCode(1)
            }
            if !configuration.upstreams.isEmpty, configuration.routes.isEmpty {
                printError("error: \(path): 1 problem:\n  routes: missing: with several upstreams, list which routes go to which (bulwark serve needs at least one route)")
                throw ExitCode(1)
            }
            // Certificates and keys are read as the gateway would read them at start.
            let tlsProblems = Gateway.tlsProblems(in: configuration)
            if !tlsProblems.isEmpty {
                let lines = tlsProblems.map { "  \($0.keyPath): \($0.problem)" }.joined(separator: "\n")
                printError("error: \(path): \(tlsProblems.count) problem\(tlsProblems.count == 1 ? "" : "s"):\n\(lines)")
                throw ExitCode(1)
            }
            let targets = configuration.upstreams.reduce(0) { $0 + $1.targets.count }
            var summary = "\(configuration.upstreams.count) upstreams, \(targets) targets, \(configuration.routes.count) routes"
            if !configuration.postgres.isEmpty {
                let servers = configuration.postgres.reduce(0) { $0 + $1.servers.count }
                summary += ", \(configuration.postgres.count) postgres cluster\(configuration.postgres.count == 1 ? "" : "s") (\(servers) servers)"
            }
            print("\(path): ok (\(summary))")
        } catch let failure as ConfigurationFailure {
            printError("error: \(failure)")
            throw ExitCode(1)
        }
    }
}
