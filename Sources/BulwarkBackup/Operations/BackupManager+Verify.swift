import Crypto
import Foundation

/// `bulwark backup verify`.
extension BackupManager {
    /// What a verification found.
    public struct VerifyResult: Sendable {
        /// The backup.
        public var manifest: BackupManifest
        /// Whether every check passed.
        public var passed: Bool
        /// What was checked and found, one line each.
        public var findings: [String]
    }

    /// Recomputes the checksum and reads the whole archive through `pg_restore` (to `/dev/null`);
    /// `deep` also restores into a scratch database and compares per-table row counts with the
    /// manifest, then drops it. Records the outcome in the manifest.
    public func verify(_ manifest: BackupManifest, deep: Bool, now: Date = Date()) async throws -> VerifyResult {
        var findings: [String] = []
        var passed = true
        let archive = try await localArchive(of: manifest)
        let digest = try Self.sha256(of: archive)
        if digest == manifest.sha256 {
            findings.append("checksum ok (sha256 \(digest.prefix(16))…)")
        } else {
            passed = false
            findings.append("CHECKSUM MISMATCH: archive has sha256 \(digest), manifest says \(manifest.sha256): the file is corrupt or was changed")
        }
        if passed {
            let read = try Subprocess.run(tools.pgRestore, ["--file=/dev/null", archive.path], environment: [:])
            if read.status == 0 {
                findings.append("archive readable: pg_restore read every entry")
            } else {
                passed = false
                findings.append("ARCHIVE UNREADABLE: pg_restore: \(PostgresTools.firstLine(read.errorOutput))")
            }
        }
        if passed, deep {
            let (ok, lines) = try deepCheck(manifest, archive: archive)
            passed = ok
            findings += lines
        }
        var updated = manifest
        updated.verification = .init(at: now, passed: passed, deep: deep, detail: findings.joined(separator: "; "))
        try catalogue.save(updated)
        logger.notice("backup verified", metadata: ["id": "\(manifest.id)", "passed": "\(passed)", "deep": "\(deep)"])
        return VerifyResult(manifest: updated, passed: passed, findings: findings)
    }

    private func deepCheck(_ manifest: BackupManifest, archive: URL) throws -> (Bool, [String]) {
        let scratch = "bulwark_verify_\(manifest.id.lowercased().filter { $0.isLetter || $0.isNumber || $0 == "_" })".prefix(60)
        let admin = source.with(database: "postgres")
        _ = try? tools.query("DROP DATABASE IF EXISTS \(PostgresTools.identifier(String(scratch)))", on: admin)
        _ = try tools.query("CREATE DATABASE \(PostgresTools.identifier(String(scratch)))", on: admin)
        defer { _ = try? tools.query("DROP DATABASE IF EXISTS \(PostgresTools.identifier(String(scratch)))", on: admin) }
        let target = source.with(database: String(scratch))
        let restore = try Subprocess.run(tools.pgRestore, ["--dbname=\(target.databaseConnectionString)", "--no-password", "--no-owner", "--no-privileges", "--exit-on-error", archive.path], environment: target.environment)
        guard restore.status == 0 else {
            return (false, ["RESTORE FAILED into scratch database \(scratch): \(PostgresTools.firstLine(restore.errorOutput))"])
        }
        let counts = try tools.rowCounts(on: target)
        var lines: [String] = []
        var ok = true
        let restored = Dictionary(counts.map { ("\($0.schema).\($0.table)", $0.rows) }, uniquingKeysWith: { a, _ in a })
        for table in manifest.tables {
            let name = "\(table.schema).\(table.table)"
            let found = restored[name]
            if found != table.rows {
                ok = false
                lines.append("ROW COUNT MISMATCH in \(name): backup recorded \(table.rows), restored \(found.map(String.init) ?? "no table")")
            }
        }
        if ok { lines.append("deep: restored into a scratch database; \(manifest.tables.count) tables, \(manifest.tables.reduce(0) { $0 + $1.rows }) rows, all counts match") }
        return (ok, lines)
    }

    /// The archive on disk, downloaded from S3 first when only the copy there is left (`0600`, like
    /// every backup file). Throws before any path is built when the manifest's names are unsafe.
    func localArchive(of manifest: BackupManifest) async throws -> URL {
        let archive = try catalogue.archive(of: manifest)
        if FileManager.default.fileExists(atPath: archive.path) { return archive }
        guard let s3 else { throw BackupError("archive \(archive.path) is missing and no S3 copy is configured") }
        try await s3.download(key: manifest.file, to: archive)
        return archive
    }

    static func sha256(of file: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: file.path) else { throw BackupError("cannot read \(file.path)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
