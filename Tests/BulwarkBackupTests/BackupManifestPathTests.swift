@testable import BulwarkBackup
import BulwarkTestSupport
import Foundation
import Testing

/// A manifest is data from the backup directory: its `id` and `file` never lead to a path outside it.
@Suite(.timeLimit(.minutes(2)), .serialized)
struct BackupManifestPathTests {
    /// A manifest as JSON, as an older or a tampered-with directory may hold it.
    static func manifestJSON(id: String, file: String, startedAt: String = "2001-01-01T00:00:00Z") throws -> Data {
        try JSONSerialization.data(withJSONObject: [
            "id": id, "database": "app", "source": "postgres://x@h:5432/app", "server_version": "15", "pg_dump_version": "15",
            "format": "custom", "file": file, "started_at": startedAt, "finished_at": startedAt, "size_bytes": 1,
            "sha256": String(repeating: "0", count: 64), "tables": [] as [Any], "locations": [] as [Any],
        ] as [String: Any])
    }

    @Test func namesAreSingleSafeFileNames() {
        for good in ["app-20261123T020000Z", "app-20261123T020000Z.dump", "my_db-20260101T000000Z-2", "a.b"] {
            #expect(BackupManifest.nameProblem(good) == nil, "\(good)")
        }
        for bad in ["", ".", "..", "../x", "../../victim", "a/b", "/etc/passwd", "a..b", ".hidden", "x\u{0}y", "café", "a b", "a\\b", "~x", String(repeating: "a", count: 201)] {
            #expect(BackupManifest.nameProblem(bad) != nil, "\(bad.debugDescription)")
        }
    }

    @Test func unsafeManifestsAreSkippedWithAWarningAndNeverUsedAsPaths() throws {
        let root = try makeScratchDirectory("manifests")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("backups")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        let victim = root.appendingPathComponent("victim")
        try writeFile(victim, "precious")
        try Self.manifestJSON(id: "good", file: "good.dump").write(to: directory.appendingPathComponent("good.json"))
        try Self.manifestJSON(id: "evil", file: "../victim").write(to: directory.appendingPathComponent("evil.json"))
        try Self.manifestJSON(id: "../escaped", file: "x.dump").write(to: directory.appendingPathComponent("escape.json"))
        try Self.manifestJSON(id: "other", file: "good.json").write(to: directory.appendingPathComponent("other.json"))
        try Self.manifestJSON(id: "good", file: "good.dump").write(to: directory.appendingPathComponent("renamed.json"))
        try Data("{ not json".utf8).write(to: directory.appendingPathComponent("broken.json"))

        let (logger, logs) = RecordingLogHandler.logger()
        let catalogue = try BackupCatalogue(path: directory.path, logger: logger)
        #expect(try catalogue.all().map(\.id) == ["good"])
        let unsafe = logs.lines("backup manifest skipped: unsafe names")
        #expect(Set(unsafe.compactMap { $0.metadata["path"].map { "\($0)" } }.map { URL(fileURLWithPath: $0).lastPathComponent }) == ["evil.json", "escape.json", "other.json", "renamed.json"])
        #expect(unsafe.allSatisfy { $0.level == .warning })
        #expect(unsafe.contains { "\($0.metadata["problems"] ?? "")".contains("file '../victim' contains '/'") })
        #expect(logs.lines("backup manifest skipped: not a valid manifest").count == 1)

        // Handed in directly (the API is public), an unsafe manifest is refused before any path is built.
        let evil = try BackupCatalogue.decoder.decode(BackupManifest.self, from: Self.manifestJSON(id: "evil", file: "../victim"))
        #expect(throws: BackupError.self) { _ = try catalogue.archive(of: evil) }
        #expect(throws: BackupError.self) { try catalogue.delete(evil) }
        var escaping = evil
        escaping.id = "../escaped"
        escaping.file = "x.dump"
        #expect(throws: BackupError.self) { try catalogue.save(escaping) }
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("escaped.json").path))
        #expect(try String(contentsOf: victim, encoding: .utf8) == "precious")
    }

    /// `list`, `verify`, `restore` and `prune`, run as the binary, on a directory with unsafe manifests
    /// whose paths point at files outside it: each is skipped with a warning and nothing outside changes.
    @Test(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"))
    func theCommandsSkipUnsafeManifestsAndLeaveFilesOutsideAlone() throws {
        let root = try makeScratchDirectory("manifests")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("backups")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        let victim = root.appendingPathComponent("victim"), outsideManifest = root.appendingPathComponent("escaped.json")
        try writeFile(victim, "precious")
        try writeFile(outsideManifest, "precious too")
        // Before the fix: list showed both; verify --all wrote its result over ../escaped.json (by way of
        // the temp file `.partial-../escaped.json`, given a `.partial-..` directory); prune deleted
        // ../victim and ../escaped.json.
        try Self.manifestJSON(id: "evil", file: "../victim").write(to: directory.appendingPathComponent("evil.json"))
        try Self.manifestJSON(id: "../escaped", file: "escape.dump").write(to: directory.appendingPathComponent("escape.json"))
        try writeFile(directory.appendingPathComponent("escape.dump"), "not an archive")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(".partial-.."), withIntermediateDirectories: false)
        let config = root.appendingPathComponent("bulwark.yaml")
        try """
        backup:
          database_url: "postgres://postgres@127.0.0.1:\(try RedisServer.freePort())/app"
          directory: "\(directory.path)"
          retention: { daily: 0, weekly: 0, monthly: 0, yearly: 0 }
        """.write(to: config, atomically: true, encoding: .utf8)

        let list = try BackupCommandTests.bulwark(["backup", "list", "--json", "--config", config.path])
        #expect(list.status == 0, "\(list.errors)")
        #expect(list.output.filter { !$0.isWhitespace } == "[]")
        #expect(list.errors.components(separatedBy: "backup manifest skipped: unsafe names").count - 1 == 2, "\(list.errors)")

        let verifyAll = try BackupCommandTests.bulwark(["backup", "verify", "--all", "--config", config.path])
        #expect(verifyAll.status == 0, "\(verifyAll.output) \(verifyAll.errors)")
        let verifyOne = try BackupCommandTests.bulwark(["backup", "verify", "evil", "--config", config.path])
        #expect(verifyOne.status == 1)
        #expect(verifyOne.errors.contains("no backup with id 'evil'"))
        let restore = try BackupCommandTests.bulwark(["backup", "restore", "evil", "--yes", "--target-url", "postgres://postgres@127.0.0.1:1/copy", "--config", config.path])
        #expect(restore.status == 1)
        #expect(restore.errors.contains("no backup with id 'evil'"))

        let prune = try BackupCommandTests.bulwark(["backup", "prune", "--config", config.path])
        #expect(prune.status == 0, "\(prune.errors)")
        #expect(prune.errors.contains("backup manifest skipped"))

        #expect(try String(contentsOf: victim, encoding: .utf8) == "precious")
        #expect(try String(contentsOf: outsideManifest, encoding: .utf8) == "precious too")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [".partial-..", "escape.dump", "escape.json", "evil.json"])
    }
}
