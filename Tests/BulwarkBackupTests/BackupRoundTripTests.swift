import BulwarkBackup
import BulwarkConfig
import BulwarkTestSupport
import Foundation
import Logging
import Testing

/// Backups of a real PostgreSQL: round trip, corruption, refusal rules and failures.
@Suite(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"), .timeLimit(.minutes(2)), .serialized)
struct BackupRoundTripTests {
    @Test func aBackupRestoresIntoANewDatabaseWithIdenticalData() async throws {
        try await BackupHarness.with { harness async throws in
            let manifest = try await harness.manager.run()
            #expect(manifest.id.hasPrefix("app-"))
            #expect(manifest.format == "custom")
            #expect(manifest.sha256.count == 64)
            #expect(manifest.tables.first { $0.table == "items" }?.rows == 503)
            #expect(manifest.tables.first { $0.schema == "other" && $0.table == "notes" }?.rows == 3)
            #expect(manifest.serverVersion.hasPrefix("1"))
            #expect(manifest.pgDumpVersion.contains("pg_dump"))
            let archive = harness.directory.appendingPathComponent(manifest.file)
            let size = try FileManager.default.attributesOfItem(atPath: archive.path)[.size] as? Int
            #expect(size == manifest.sizeBytes)
            #expect(FileManager.default.contents(atPath: archive.path)?.prefix(5) == Data("PGDMP".utf8))
            #expect(try harness.manager.catalogue.all().map(\.id) == [manifest.id])

            let lines = try await harness.manager.restore(manifest, targetURL: harness.server.url(database: "restored"), force: false)
            #expect(lines.contains { $0.contains("checksum ok") })
            let original = try harness.contents(of: "app")
            #expect(original.contains("Grüße aus Köln — 東京 🚀"))
            #expect(try harness.contents(of: "restored") == original)

            let deep = try await harness.manager.verify(manifest, deep: true)
            #expect(deep.passed, "\(deep.findings)")
            #expect(deep.findings.contains { $0.contains("all counts match") })
            #expect(try harness.manager.catalogue.manifest(id: manifest.id).verifiedState == "verified (deep)")
            // The scratch database is gone.
            #expect(!(try harness.server.psql("SELECT datname FROM pg_database")).contains("bulwark_verify"))
        }
    }

    @Test func aFlippedByteFailsVerificationAndBlocksRestore() async throws {
        try await BackupHarness.with { harness async throws in
            let manifest = try await harness.manager.run()
            let archive = harness.directory.appendingPathComponent(manifest.file)
            var bytes = try Data(contentsOf: archive)
            bytes[bytes.count / 2] ^= 0x01
            try bytes.write(to: archive)
            let result = try await harness.manager.verify(manifest, deep: false)
            #expect(!result.passed)
            #expect(result.findings.contains { $0.contains("CHECKSUM MISMATCH") })
            #expect(try harness.manager.catalogue.manifest(id: manifest.id).verifiedState == "FAILED")
            await #expect(throws: BackupError.self) {
                _ = try await harness.manager.restore(manifest, targetURL: harness.server.url(database: "restored"), force: false)
            }
            #expect(!(try harness.server.psql("SELECT datname FROM pg_database")).contains("restored"))
        }
    }

    @Test func aTruncatedArchiveWithAMatchingChecksumIsCaughtByReadingItWhole() async throws {
        try await BackupHarness.with { harness async throws in
            var manifest = try await harness.manager.run()
            let archive = harness.directory.appendingPathComponent(manifest.file)
            let bytes = try Data(contentsOf: archive)
            let truncated = bytes.prefix(bytes.count * 2 / 3)
            try truncated.write(to: archive)
            // Make the manifest agree, as if the dump had been cut short before being recorded.
            manifest.sha256 = SigV4Signer.sha256Hex(truncated)
            manifest.sizeBytes = truncated.count
            try harness.manager.catalogue.save(manifest)
            let result = try await harness.manager.verify(manifest, deep: false)
            #expect(!result.passed, "\(result.findings)")
            #expect(result.findings.contains { $0.contains("ARCHIVE UNREADABLE") })
        }
    }

    @Test func restoreRefusesATargetWithTablesUnlessForced() async throws {
        try await BackupHarness.with { harness async throws in
            let manifest = try await harness.manager.run()
            try harness.server.psql("CREATE DATABASE busy")
            try harness.server.psql("CREATE TABLE keep_me (id int); INSERT INTO keep_me VALUES (1)", database: "busy")
            do {
                _ = try await harness.manager.restore(manifest, targetURL: harness.server.url(database: "busy"), force: false)
                Issue.record("restore into a database with tables should be refused")
            } catch {
                #expect("\(error)".contains("already has 1 table"))
                #expect("\(error)".contains("--force"))
            }
            // Changed data in the source, then a forced restore brings the backup's rows back.
            try harness.server.psql("DELETE FROM items WHERE id > 3", database: "app")
            _ = try await harness.manager.restore(manifest, targetURL: harness.server.url(database: "app"), force: true)
            #expect(try harness.server.psql("SELECT count(*) FROM items", database: "app").trimmingCharacters(in: .whitespacesAndNewlines) == "503")
        }
    }

    @Test func anUnreachableDatabaseFailsClearlyAndCataloguesNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-backups-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try RedisServer.freePort()
        let settings = BackupSettings(databaseURL: "postgres://app:secret-pass@127.0.0.1:\(port)/app", directory: directory.path)
        let manager = try BackupManager(settings: settings, logger: Logger(label: "t"))
        do {
            _ = try await manager.run()
            Issue.record("a backup of an unreachable database must fail")
        } catch {
            let message = "\(error)"
            #expect(message.contains("127.0.0.1:\(port)"))
            #expect(!message.contains("secret-pass"))
        }
        #expect(try manager.catalogue.all().isEmpty)
        #expect((try FileManager.default.contentsOfDirectory(atPath: directory.path)).isEmpty)
    }
}
