import ArgumentParser
import BulwarkAudit
import BulwarkConfig
import Foundation
import Logging

/// `bulwark audit query|verify`: reads the audit log of a configuration (`audit:`) read-only, so both
/// work while `bulwark serve` holds the journal.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List or verify the audit log (the audit: section).",
        subcommands: [Query.self, Verify.self]
    )

    /// Exit status of a usage or configuration error.
    static let usageError: Int32 = 2

    /// `--config`, and the `audit:` section it names.
    struct ConfigOptions: ParsableArguments {
        @Option(name: .long, help: "The configuration file (default ./bulwark.yaml).")
        var config: String?

        @Option(name: .long, help: "Log level for the audit log's own messages (stderr).")
        var logLevel: String = "warning"

        /// The `audit:` settings; prints why and exits 2 when there are none.
        func settings() throws -> AuditSettings {
            let loaded: (BulwarkConfiguration, String)?
            do {
                loaded = try ConfigurationLoading.load(path: config)
            } catch {
                printError("error: \(error)")
                throw ExitCode(AuditCommand.usageError)
            }
            guard case let (configuration, path)? = loaded else {
                printError("error: no configuration: pass --config FILE (./\(ConfigurationLoading.defaultPath) does not exist)")
                throw ExitCode(AuditCommand.usageError)
            }
            guard let audit = configuration.audit else {
                printError("error: \(path): audit: is not configured, so there is no audit log to read")
                throw ExitCode(AuditCommand.usageError)
            }
            return audit
        }
    }

    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List audit events, newest first: from the database when audit.database_url is set, else from the journal.",
            discussion: """
            A table by default, one JSON object per line with --json:
              bulwark audit query --since 1h --status 5xx
              bulwark audit query --actor alice --route orders --json
            """
        )

        @OptionGroup var options: ConfigOptions
        @Option(name: .long, help: "Events at or after: a span back from now (90s, 30m, 1h, 7d) or an ISO 8601 time.") var since: String?
        @Option(name: .long, help: "Events before: a span back from now or an ISO 8601 time.") var until: String?
        @Option(name: .long, help: "Events of this actor only.") var actor: String?
        @Option(name: .long, help: "Events of this route (routes[].name) only.") var route: String?
        @Option(name: .long, help: "A status (404) or a class (5xx).") var status: String?
        @Option(name: .long, help: "request, completed or action.") var kind: String?
        @Option(name: .long, help: "How many events, 1…1000 (default 100).") var limit: String?
        @Option(name: .long, help: "Where to start: the cursor a previous listing printed.") var cursor: String?
        @Flag(name: .long, help: "One JSON object per line instead of a table.") var json = false

        func run() async throws {
            let settings = try options.settings()
            let query: AuditQuery
            do throws(AuditQueryError) {
                query = try AuditQuery.parse(since: since, until: until, actor: actor, route: route, status: status, kind: kind, limit: limit, cursor: cursor)
            } catch {
                printError("error: --\(error.message)")
                throw ExitCode(AuditCommand.usageError)
            }
            let page: AuditPage
            do {
                page = try await AuditLog.query(configuration: settings.logConfiguration, query, logger: makeLogger(label: "bulwark.audit", level: options.logLevel))
            } catch {
                printError("error: the audit log could not be read: \(SecretRedaction.redactingURLs(in: "\(error)"))")
                throw ExitCode(1)
            }
            if json {
                for event in page.events { print(try AuditOutput.jsonLine(event)) }
            } else {
                print(AuditOutput.table(page.events))
            }
            if let next = page.nextCursor {
                printError("more events: add --cursor \(next)")
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the journal's chain of records (CRC, sequence, hashes, the anchor); exit 0 when intact, 1 when not, 2 on a usage error.",
            discussion: "Each problem is printed with its position (segment file, byte offset, record sequence)."
        )

        @OptionGroup var options: ConfigOptions
        @Option(name: .long, help: "The first record sequence to check (default: the first in the journal).") var from: String?
        @Flag(name: .long, help: "Print the result as one JSON object.") var json = false

        func run() async throws {
            let settings = try options.settings()
            var first: UInt64?
            if let from {
                guard let value = UInt64(from), value >= 1 else {
                    printError("error: --from: expected a record sequence (1, 2, …), got '\(from)'")
                    throw ExitCode(AuditCommand.usageError)
                }
                first = value
            }
            let verification: AuditVerification
            do {
                verification = try await AuditLog.verify(configuration: settings.logConfiguration, from: first, logger: makeLogger(label: "bulwark.audit", level: options.logLevel))
            } catch {
                printError("error: audit.journal (\(settings.journal)) could not be verified: \(SecretRedaction.redactingURLs(in: "\(error)"))")
                throw ExitCode(AuditCommand.usageError)
            }
            print(json ? try AuditOutput.json(verification) : AuditOutput.text(verification))
            if !verification.isIntact { throw ExitCode(1) }
        }
    }
}

extension AuditSettings {
    /// The audit log's configuration for these settings (what `serve`, `run` and `bulwark audit` open).
    var logConfiguration: AuditLog.Configuration {
        AuditLog.Configuration(
            journal: journal, databaseURL: databaseURL, waitsForDisk: durability == .sync, retention: retention,
            segmentBytes: segmentBytes, asyncFlushInterval: Defaults.asyncFlushInterval,
            shipInterval: shipInterval, shipBatch: shipBatch
        )
    }
}
