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
        let file = "\(id).dump"
        let partial = catalogue.directory.appendingPathComponent(".partial-\(file)")
        let target = catalogue.directory.appendingPathComponent(file)
        // What the manifest says about the source (versions, exact row counts) is read beside the dump, on
        // the other core, not before it: on a large table count(*) costs a sizeable part of the dump itself.
        let postgres = tools, database = source, level = settings.compressionLevel
        let describing = Task { try await BlockingThread.run("bulwark-backup-describe") { try SourceDescription(tools: postgres, source: database) } }
        let clock = ContinuousClock()
        let start = clock.now
        // When the database is unreachable both fail; pg_dump's error is the one reported.
        let dump = try await BlockingThread.run("bulwark-backup-dump") {
            try Self.dump(tools: postgres, source: database, compressionLevel: level, into: partial, progress: progress)
        }
        let description: SourceDescription
        do {
            description = try await describing.value
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        progress?(dump.size, clock.now - start)
        guard rename(partial.path, target.path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(at: partial)
            throw BackupError("cannot move the archive into place: errno \(code)")
        }
        let size = dump.size, digest = dump.sha256
        var manifest = BackupManifest(
            id: id, database: source.database, source: source.redacted, serverVersion: description.serverVersion,
            pgDumpVersion: description.pgDumpVersion, format: "custom", file: file,
            startedAt: startedAt, finishedAt: startedAt.addingTimeInterval((clock.now - start).seconds),
            sizeBytes: size, sha256: digest, tables: description.tables, locations: [target.absoluteString], verification: nil
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
        // Only ASCII letters, digits, `_` and `-` of the name: an id must be a safe file name (see
        // `BackupManifest.nameProblem`).
        let kept = source.database.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        let base = "\(kept.isEmpty ? "backup" : kept)-\(stamp)"
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
