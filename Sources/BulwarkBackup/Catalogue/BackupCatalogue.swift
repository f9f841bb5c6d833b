import Foundation

/// The backups in `backup.directory`: an archive `<id>.dump` and its manifest `<id>.json` each. Only
/// backups with a manifest exist; a manifest is written last and atomically, so a failed or interrupted
/// run leaves nothing in the catalogue (its `.partial-*` file is removed, or swept by the next run).
public struct BackupCatalogue: Sendable {
    /// The directory.
    public let directory: URL

    /// The catalogue in `path` (created if missing).
    public init(path: String) throws(BackupError) {
        directory = URL(fileURLWithPath: path, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw BackupError("cannot create backup.directory \(path): \(error.localizedDescription)")
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

    /// Every backup, newest first.
    public func all() throws -> [BackupManifest] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { return nil }
            return try? Self.decoder.decode(BackupManifest.self, from: data)
        }.sorted { ($0.startedAt, $0.id) > ($1.startedAt, $1.id) }
    }

    /// The backup `id`.
    public func manifest(id: String) throws -> BackupManifest {
        guard let manifest = try all().first(where: { $0.id == id }) else {
            throw BackupError("no backup with id '\(id)' in \(directory.path) (see `bulwark backup list`)")
        }
        return manifest
    }

    /// The archive's path.
    public func archive(of manifest: BackupManifest) -> URL { directory.appendingPathComponent(manifest.file) }

    /// Writes `manifest` atomically (temp file, fsync, rename).
    public func save(_ manifest: BackupManifest) throws {
        let data = try Self.encoder.encode(manifest)
        let target = directory.appendingPathComponent("\(manifest.id).json")
        let temporary = directory.appendingPathComponent(".partial-\(manifest.id).json")
        try data.write(to: temporary)
        let handle = try FileHandle(forWritingTo: temporary)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary.path, target.path) == 0 else { throw BackupError("cannot write manifest \(target.path): errno \(errno)") }
    }

    /// Removes a backup (manifest first, so it leaves the catalogue even if the archive delete fails).
    public func delete(_ manifest: BackupManifest) throws {
        try FileManager.default.removeItem(at: directory.appendingPathComponent("\(manifest.id).json"))
        try? FileManager.default.removeItem(at: archive(of: manifest))
    }

    /// Leftovers of interrupted runs.
    public func sweepPartials() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in names where name.hasPrefix(".partial-") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}
