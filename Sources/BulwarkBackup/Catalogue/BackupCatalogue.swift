import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The backups in `backup.directory`: an archive `<id>.dump` and its manifest `<id>.json` each. Only
/// backups with a manifest exist; a manifest is written last and atomically, so a failed or interrupted
/// run leaves nothing in the catalogue (its `.partial-*` file is removed, or swept by the next run).
///
/// The directory is `0700` and every file in it `0600`; looser modes found when the catalogue opens are
/// tightened (and logged). A manifest whose `id` or `file` is not a plain name inside the directory
/// (see ``BackupManifest``'s name rules) is skipped with a warning, never used as a path.
public struct BackupCatalogue: Sendable {
    /// The directory.
    public let directory: URL
    let logger: Logger

    /// The catalogue in `path`: created `0700` if missing; an existing directory and its backup files
    /// lose any group and other permissions, with a warning that says what changed.
    public init(path: String, logger: Logger = Logger(label: "bulwark.backup")) throws(BackupError) {
        directory = URL(fileURLWithPath: path, isDirectory: true)
        self.logger = logger
        var isDirectory: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw BackupError("cannot create backup.directory \(path): \(error.localizedDescription)")
        }
        if existed {
            tightenPermissions()
        } else {
            chmod(directory.path, PrivateFile.directoryMode)
        }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Every backup, newest first. A manifest that cannot be read, or whose `id` does not match its file
    /// name or whose `id`/`file` are not plain names inside the directory, is skipped with a warning.
    public func all() throws -> [BackupManifest] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().compactMap { name in
            let path = directory.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path) else {
                logger.warning("backup manifest skipped: cannot read it", metadata: ["path": "\(path)"])
                return nil
            }
            let manifest: BackupManifest
            do {
                manifest = try Self.decoder.decode(BackupManifest.self, from: data)
            } catch {
                logger.warning("backup manifest skipped: not a valid manifest", metadata: ["path": "\(path)", "error": "\(error)"])
                return nil
            }
            var problems = manifest.pathProblems
            if problems.isEmpty, "\(manifest.id).json" != name { problems.append("id '\(manifest.id)' does not match the file name") }
            guard problems.isEmpty else {
                logger.warning("backup manifest skipped: unsafe names", metadata: ["path": "\(path)", "problems": "\(problems.joined(separator: "; "))"])
                return nil
            }
            return manifest
        }.sorted { ($0.startedAt, $0.id) > ($1.startedAt, $1.id) }
    }

    /// The backup `id`.
    public func manifest(id: String) throws -> BackupManifest {
        guard let manifest = try all().first(where: { $0.id == id }) else {
            throw BackupError("no backup with id '\(id)' in \(directory.path) (see `bulwark backup list`)")
        }
        return manifest
    }

    /// The archive's path. Throws when the manifest's `file` is not a plain name inside the directory.
    public func archive(of manifest: BackupManifest) throws(BackupError) -> URL {
        try manifest.checkPaths()
        return directory.appendingPathComponent(manifest.file)
    }

    /// Writes `manifest` atomically (temp file, fsync, rename), mode `0600`.
    public func save(_ manifest: BackupManifest) throws {
        try manifest.checkPaths()
        let data = try Self.encoder.encode(manifest)
        let target = directory.appendingPathComponent("\(manifest.id).json")
        let temporary = directory.appendingPathComponent(".partial-\(manifest.id).json")
        let handle = try PrivateFile.create(at: temporary)
        do {
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            unlink(temporary.path)
            throw BackupError("cannot write manifest \(temporary.path): \(error)")
        }
        guard rename(temporary.path, target.path) == 0 else {
            let code = errno
            unlink(temporary.path)
            throw BackupError("cannot write manifest \(target.path): errno \(code)")
        }
    }

    /// Removes a backup (manifest first, so it leaves the catalogue even if the archive delete fails).
    public func delete(_ manifest: BackupManifest) throws {
        let archive = try archive(of: manifest)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("\(manifest.id).json"))
        try? FileManager.default.removeItem(at: archive)
    }

    /// Leftovers of interrupted runs.
    public func sweepPartials() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix(".partial-") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}
