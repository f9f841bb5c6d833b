@testable import BulwarkBackup
import BulwarkConfig
import BulwarkTestSupport
import Foundation
import Logging
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The permission bits of `path` (a symlink's own, not its target's).
func permissions(_ path: String) -> mode_t {
    var info = stat()
    guard lstat(path, &info) == 0 else { return 0o7777 }
    return info.st_mode & 0o7777
}

/// A fresh directory under the temp dir, `0755` like one an older Bulwark made; removed by `remove()`.
func makeScratchDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    chmod(url.path, 0o755)
    return url
}

/// Writes `text` to `url` with exactly `mode`.
func writeFile(_ url: URL, _ text: String, mode: mode_t = 0o644) throws {
    try Data(text.utf8).write(to: url)
    chmod(url.path, mode)
}

/// Backups are readable by their owner only: files `0600` in a `0700` directory, and what an older
/// version left more open is tightened, with a log line.
@Suite(.timeLimit(.minutes(2)), .serialized)
struct BackupFilePermissionTests {
    @Test func aNewBackupDirectoryIsCreated0700() throws {
        let root = try makeScratchDirectory("modes")
        defer { try? FileManager.default.removeItem(at: root) }
        let (logger, logs) = RecordingLogHandler.logger()
        let catalogue = try BackupCatalogue(path: root.appendingPathComponent("a/b/backups").path, logger: logger)
        #expect(permissions(catalogue.directory.path) == 0o700)
        #expect(logs.all.isEmpty)
    }

    @Test func anOpenDirectoryAndItsBackupFilesAreTightenedWithALogLine() throws {
        let root = try makeScratchDirectory("modes")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("backups")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        chmod(directory.path, 0o755)
        try writeFile(directory.appendingPathComponent("app-1.dump"), "PGDMP", mode: 0o644)
        try writeFile(directory.appendingPathComponent("app-1.json"), "{}", mode: 0o664)
        try writeFile(directory.appendingPathComponent(".partial-app-2.dump"), "PG", mode: 0o604)
        try writeFile(directory.appendingPathComponent("README.txt"), "not ours", mode: 0o644)
        // A link named like an archive must not pass the chmod on to its target.
        let outside = root.appendingPathComponent("outside.dump")
        try writeFile(outside, "someone else's", mode: 0o644)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("link.dump").path, withDestinationPath: outside.path)

        let (logger, logs) = RecordingLogHandler.logger()
        _ = try BackupCatalogue(path: directory.path, logger: logger)

        #expect(permissions(directory.path) == 0o700)
        #expect(permissions(directory.appendingPathComponent("app-1.dump").path) == 0o600)
        #expect(permissions(directory.appendingPathComponent("app-1.json").path) == 0o600)
        #expect(permissions(directory.appendingPathComponent(".partial-app-2.dump").path) == 0o600)
        #expect(permissions(directory.appendingPathComponent("README.txt").path) == 0o644)
        #expect(permissions(outside.path) == 0o644)
        let directoryLine = try #require(logs.lines("backup directory permissions tightened").first)
        #expect(directoryLine.level == .warning)
        #expect(directoryLine.metadata["from"] == "0755")
        #expect(directoryLine.metadata["path"] == "\(directory.path)")
        let filesLine = try #require(logs.lines("backup file permissions tightened").first)
        #expect(filesLine.metadata["files"] == "3")
        #expect(filesLine.metadata["from"] == "0604,0644,0664")

        // Opened again, nothing changes and nothing is logged.
        let (quiet, none) = RecordingLogHandler.logger()
        _ = try BackupCatalogue(path: directory.path, logger: quiet)
        #expect(none.all.isEmpty)
    }

    @Test func childOutputFilesAre0600() throws {
        let file = try TemporaryFile()
        #expect(permissions(file.url.path) == 0o600)
    }

    @Test func aPlantedSymlinkAtAPartialPathIsReplacedNotFollowed() throws {
        let root = try makeScratchDirectory("modes")
        defer { try? FileManager.default.removeItem(at: root) }
        let victim = root.appendingPathComponent("victim")
        try writeFile(victim, "keep me", mode: 0o644)
        let partial = root.appendingPathComponent(".partial-app.dump")
        try FileManager.default.createSymbolicLink(atPath: partial.path, withDestinationPath: victim.path)
        let handle = try PrivateFile.create(at: partial)
        try handle.write(contentsOf: Data("dump".utf8))
        try handle.close()
        #expect(try String(contentsOf: victim, encoding: .utf8) == "keep me")
        #expect(try String(contentsOf: partial, encoding: .utf8) == "dump")
        #expect(permissions(partial.path) == 0o600)
    }

    @Test(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"))
    func aBackupItsManifestAndItsDirectoryAreOwnerOnly() async throws {
        try await BackupHarness.with { harness async throws in
            let manifest = try await harness.manager.run()
            #expect(permissions(harness.directory.path) == 0o700)
            #expect(permissions(harness.directory.appendingPathComponent(manifest.file).path) == 0o600)
            #expect(permissions(harness.directory.appendingPathComponent("\(manifest.id).json").path) == 0o600)
            // Rewritten by verify, the manifest stays 0600.
            _ = try await harness.manager.verify(manifest, deep: false)
            #expect(permissions(harness.directory.appendingPathComponent("\(manifest.id).json").path) == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: harness.directory.path).sorted() == ["\(manifest.id).dump", "\(manifest.id).json"])
        }
    }

    @Test(.enabled(if: MotoServer.shouldRun, "moto_server is not installed (pip install moto[server])"))
    func anArchiveDownloadedFromS3Is0600() async throws {
        let moto = try await MotoServer()
        defer { moto.stop() }
        let client = try S3Client(settings: .init(endpoint: "http://127.0.0.1:\(moto.port)", bucket: "modes"), accessKey: "testing", secretKey: "testing", logger: RecordingLogHandler.logger().0)
        try await client.createBucket()
        let root = try makeScratchDirectory("modes")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = Data("PGDMP archive bytes".utf8)
        let file = root.appendingPathComponent("up.dump")
        try writeFile(file, "PGDMP archive bytes")
        _ = try await client.upload(file: file, key: "a.dump", sha256: SigV4Signer.sha256Hex(data))
        let back = root.appendingPathComponent("a.dump")
        try await client.download(key: "a.dump", to: back)
        #expect(try Data(contentsOf: back) == data)
        #expect(permissions(back.path) == 0o600)
    }
}
