import ArgumentParser
import BulwarkBackup
import BulwarkConfig
import Foundation
import Logging

/// `bulwark backup`: PostgreSQL backups that are verified, rotated and restorable.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up, verify, restore and rotate a PostgreSQL database (the backup: section).",
        subcommands: [Run.self, List.self, Verify.self, Restore.self, Prune.self]
    )

    /// `--config` and logging, shared by every subcommand.
    struct Common: ParsableArguments {
        @Option(name: .long, help: "The configuration file with a backup: section (default ./bulwark.yaml).")
        var config: String?

        @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: String = "warning"

        func manager() throws -> BackupManager {
            let configuration: BulwarkConfiguration
            do {
                guard let (loaded, _) = try ConfigurationLoading.load(path: config) else {
                    throw failure("no configuration file: pass --config FILE (./\(ConfigurationLoading.defaultPath) does not exist)")
                }
                configuration = loaded
            } catch let failure as ConfigurationFailure {
                throw self.failure("\(failure)")
            }
            guard let settings = configuration.backup else {
                throw failure("\(config ?? ConfigurationLoading.defaultPath) has no backup: section; add one with database_url and directory (see docs/backup.md)")
            }
            do {
                return try BackupManager(settings: settings, logger: makeLogger(label: "bulwark.backup", level: logLevel))
            } catch {
                throw failure("\(error)")
            }
        }

        func failure(_ message: String) -> ExitCode {
            printError("error: \(message)")
            return ExitCode(1)
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Dump, checksum, record, upload and notify; prints the new backup id.")
        @OptionGroup var common: Common

        func run() async throws {
            let manager = try common.manager()
            let terminal = isatty(STDERR_FILENO) == 1
            do {
                let manifest = try await manager.run(progress: terminal ? BackupCommand.printProgress : nil)
                if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
                print(manifest.id)
            } catch {
                if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
                throw common.failure("backup failed: \(error)")
            }
        }
    }

    /// `\r  12.3 MiB written, 45.6 MiB/s` on the terminal.
    static func printProgress(bytes: Int, elapsed: Duration) {
        let seconds = max(0.001, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        let mebibytes = Double(bytes) / 1_048_576
        let text = String(format: "\r  %.1f MiB written, %.1f MiB/s   ", mebibytes, mebibytes / seconds)
        FileHandle.standardError.write(Data(text.utf8))
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every backup with id, database, date, size, SHA-256, verified state and locations.")
        @OptionGroup var common: Common
        @Flag(name: .long, help: "Print a JSON array.") var json = false

        func run() async throws {
            let manager = try common.manager()
            let manifests = try manager.catalogue.all()
            if json {
                print(try Self.json(manifests))
                return
            }
            guard !manifests.isEmpty else { return print("no backups in \(manager.settings.directory)") }
            print("ID                                 DATABASE     CREATED (UTC)          SIZE        VERIFIED          SHA-256           LOCATIONS")
            for manifest in manifests {
                let created = ISO8601DateFormatter().string(from: manifest.createdAt)
                print([manifest.id.padding(34), manifest.database.padding(12), created.padding(22), Self.size(manifest.sizeBytes).padding(11),
                       manifest.verifiedState.padding(17), String(manifest.sha256.prefix(16)) + " ", manifest.locations.joined(separator: ", ")].joined(separator: " "))
            }
        }

        /// Each manifest as stored, plus the columns of the table under the names a script looks for:
        /// `created_at`, `size` (bytes), `verified` (the last verification passed) and `verified_state`.
        static func json(_ manifests: [BackupManifest]) throws -> String {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            let objects: [Any] = try manifests.map { manifest in
                var object = try JSONSerialization.jsonObject(with: encoder.encode(manifest)) as? [String: Any] ?? [:]
                object["created_at"] = ISO8601DateFormatter().string(from: manifest.createdAt)
                object["size"] = manifest.sizeBytes
                object["verified"] = manifest.verification?.passed ?? false
                object["verified_state"] = manifest.verifiedState
                return object
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self)
        }

        static func size(_ bytes: Int) -> String {
            bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / 1_048_576) : String(format: "%.1f KiB", Double(bytes) / 1024)
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the checksum and read the whole archive; --deep restores into a scratch database and compares row counts.")
        @OptionGroup var common: Common
        @Argument(help: "The backup id.") var id: String?
        @Flag(name: .long, help: "Verify the newest backup.") var latest = false
        @Flag(name: .long, help: "Verify every backup.") var all = false
        @Flag(name: .long, help: "Also restore into a scratch database and compare per-table row counts.") var deep = false

        func validate() throws {
            guard [id != nil, latest, all].filter({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of: a backup ID, --latest or --all")
            }
        }

        func run() async throws {
            let manager = try common.manager()
            let manifests = try manager.catalogue.all()
            let chosen: [BackupManifest]
            if all {
                chosen = manifests
            } else if latest {
                guard let newest = manifests.first else { throw common.failure("no backups to verify in \(manager.settings.directory)") }
                chosen = [newest]
            } else {
                do { chosen = [try manager.catalogue.manifest(id: id!)] } catch { throw common.failure("\(error)") }
            }
            var failed = 0
            for manifest in chosen {
                do {
                    let result = try await manager.verify(manifest, deep: deep)
                    print("\(manifest.id): \(result.passed ? "OK" : "FAILED")")
                    for finding in result.findings { print("  \(finding)") }
                    if !result.passed { failed += 1 }
                } catch {
                    print("\(manifest.id): FAILED")
                    print("  \(error)")
                    failed += 1
                }
            }
            if failed > 0 { throw common.failure("\(failed) of \(chosen.count) backup(s) failed verification; do not rely on them") }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify, then restore a backup into --target-url.")
        @OptionGroup var common: Common
        @Argument(help: "The backup id (or 'latest').") var id: String
        @Option(name: .long, help: "postgres://user@host:port/database to restore into (created when missing).") var targetURL: String
        @Flag(name: .long, help: "Do not ask for confirmation.") var yes = false
        @Flag(name: .long, help: "Restore even if the target database already has tables (its objects are dropped and recreated).") var force = false

        func run() async throws {
            let manager = try common.manager()
            let manifest: BackupManifest
            do {
                if id == "latest" {
                    guard let newest = try manager.catalogue.all().first else { throw BackupError("no backups in \(manager.settings.directory)") }
                    manifest = newest
                } else {
                    manifest = try manager.catalogue.manifest(id: id)
                }
            } catch { throw common.failure("\(error)") }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw common.failure("restore overwrites data: confirm on a terminal, or pass --yes")
                }
                let target = (try? DatabaseURL(parsing: targetURL).redacted) ?? targetURL
                FileHandle.standardError.write(Data("Restore \(manifest.id) into \(target)? Type 'yes' to continue: ".utf8))
                guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                    throw common.failure("restore cancelled")
                }
            }
            do {
                for line in try await manager.restore(manifest, targetURL: targetURL, force: force) { print(line) }
            } catch {
                throw common.failure("restore failed: \(error)")
            }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply retention (grandfather-father-son); --dry-run shows the plan.")
        @OptionGroup var common: Common
        @Flag(name: .long, help: "Show what would be kept and deleted; delete nothing.") var dryRun = false

        func run() async throws {
            let manager = try common.manager()
            let plan: RetentionPlan
            do { plan = try await manager.prune(dryRun: dryRun) } catch { throw common.failure("prune failed: \(error)") }
            for kept in plan.keep { print("keep   \(kept.candidate.id)  (\(kept.reasons.joined(separator: ", ")))") }
            for deleted in plan.delete { print("\(dryRun ? "would delete" : "delete")  \(deleted.id)") }
            print("\(plan.keep.count) kept, \(plan.delete.count) \(dryRun ? "to delete (dry run: nothing deleted)" : "deleted")")
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
