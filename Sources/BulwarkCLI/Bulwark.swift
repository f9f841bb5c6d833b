import ArgumentParser

/// The `bulwark` command: parses arguments and calls the libraries; nothing else lives here.
@main
struct Bulwark: AsyncParsableCommand {
    static let version = "0.6.0"

    static let configuration = CommandConfiguration(
        commandName: "bulwark",
        abstract: "High availability for any HTTP backend: a resilient reverse proxy and its operations.",
        version: version,
        subcommands: [Serve.self, Run.self, ProcessesCommand.self, AuditCommand.self, Check.self, BackupCommand.self, BenchCommand.self, Demo.self, Version.self]
    )
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() {
        print("bulwark \(Bulwark.version)")
    }
}
