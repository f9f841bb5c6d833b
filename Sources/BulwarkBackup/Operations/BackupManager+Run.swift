import Crypto
import Foundation

/// `bulwark backup run`.
extension BackupManager {
    /// What a run reports as it goes (bytes written so far).
    public typealias Progress = @Sendable (_ bytes: Int, _ elapsed: Duration) -> Void

    /// Dumps the database with `pg_dump -Fc`, hashing the stream while writing it to a temporary file,
    /// then moves it into place and writes the manifest; uploads to S3 when configured; notifies.
    /// Nothing is catalogued unless every step up to the manifest succeeded.
    @discardableResult
    public func run(now: Date = Date(), progress: Progress? = nil) async throws -> BackupManifest {
        do {
            let manifest = try await makeBackup(startedAt: now, progress: progress)
            await notifier.notify(event: "backup.succeeded", text: "Backup \(manifest.id) of \(manifest.database) succeeded: \(Self.bytes(manifest.sizeBytes)) in \(String(format: "%.1f", manifest.finishedAt.timeIntervalSince(manifest.startedAt))) s, sha256 \(manifest.sha256.prefix(12))…", manifest: manifest)
            return manifest
        } catch {
            logger.error("backup failed", metadata: ["database": "\(source.redacted)", "error": "\(error)"])
            await notifier.notify(event: "backup.failed", text: "Backup of \(source.database) on \(source.host):\(source.port) FAILED: \(error)", manifest: nil)
            throw error
        }
    }

    private func makeBackup(startedAt: Date, progress: Progress?) async throws -> BackupManifest {
        catalogue.sweepPartials()
        let id = uniqueID(at: startedAt)
        guard let version = try tools.query("SHOW server_version", on: source).first?.first else {
            throw BackupError("cannot read the server version of \(source.redacted)")
        }
        // Row counts run beside the dump (another core), not before it: on a large table count(*) costs
        // as much as a sizeable part of the dump itself.
        let counter = tools, counted = source
        let counting = Task.detached { try counter.rowCounts(on: counted) }
        let file = "\(id).dump"
        let partial = catalogue.directory.appendingPathComponent(".partial-\(file)")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil) else {
            throw BackupError("cannot write in \(catalogue.directory.path): check that it exists and is writable")
        }
        var cleanup = true
        defer { if cleanup { try? FileManager.default.removeItem(at: partial) } }
        let output = try FileHandle(forWritingTo: partial)
        var hasher = SHA256()
        var size = 0
        let clock = ContinuousClock()
        let start = clock.now
        var lastReport = start
        let result = try Subprocess.stream(tools.pgDump, ["--format=custom", "--compress=\(settings.compressionLevel)", "--no-password"], environment: source.environment) { chunk in
            hasher.update(data: chunk)
            try output.write(contentsOf: chunk)
            size += chunk.count
            if let progress, clock.now - lastReport >= .milliseconds(500) {
                lastReport = clock.now
                progress(size, clock.now - start)
            }
        }
        try output.synchronize()
        try output.close()
        guard result.status == 0 else {
            throw BackupError("pg_dump failed (exit \(result.status)) for \(source.redacted): \(PostgresTools.firstLine(result.errorOutput)). Check that the database is reachable and the user may read every table")
        }
        guard size > 0 else { throw BackupError("pg_dump produced no output for \(source.redacted)") }
        let tables = try await counting.value
        progress?(size, clock.now - start)
        let target = catalogue.directory.appendingPathComponent(file)
        guard rename(partial.path, target.path) == 0 else { throw BackupError("cannot move the archive into place: errno \(errno)") }
        cleanup = false
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        var manifest = BackupManifest(
            id: id, database: source.database, source: source.redacted, serverVersion: version,
            pgDumpVersion: tools.version(of: tools.pgDump), format: "custom", file: file,
            startedAt: startedAt, finishedAt: startedAt.addingTimeInterval((clock.now - start).seconds),
            sizeBytes: size, sha256: digest, tables: tables, locations: [target.absoluteString], verification: nil
        )
        do {
            try catalogue.save(manifest)
        } catch {
            try? FileManager.default.removeItem(at: target)
            throw error
        }
        logger.notice("backup written", metadata: ["id": "\(id)", "bytes": "\(size)", "sha256": "\(digest)"])
        if let s3 {
            manifest.locations.append(s3.location(of: file))
            _ = try await s3.upload(file: target, key: file, sha256: digest)
            try await s3.upload(data: try BackupCatalogue.encoder.encode(manifest), key: "\(id).json")
            try catalogue.save(manifest)
        }
        return manifest
    }

    private func uniqueID(at date: Date) -> String {
        let c = Self.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let stamp = String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        let base = "\(source.database.filter { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })-\(stamp)"
        let existing = Set((try? catalogue.all().map(\.id)) ?? [])
        var id = base
        var n = 2
        while existing.contains(id) || FileManager.default.fileExists(atPath: catalogue.directory.appendingPathComponent("\(id).dump").path) {
            id = "\(base)-\(n)"
            n += 1
        }
        return id
    }

    static func bytes(_ count: Int) -> String {
        count >= 1 << 20 ? String(format: "%.1f MiB", Double(count) / 1_048_576) : String(format: "%.1f KiB", Double(count) / 1024)
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
