import Foundation

/// `bulwark backup restore`.
extension BackupManager {
    /// Restores `manifest` into `targetURL` after verifying it. Refuses a corrupt backup, and a target
    /// that already has tables unless `force` (then objects are dropped and recreated). The target
    /// database is created when it does not exist.
    public func restore(_ manifest: BackupManifest, targetURL: String, force: Bool) async throws -> [String] {
        let target = try DatabaseURL(parsing: targetURL)
        try manifest.checkPaths()
        let check = try await verify(manifest, deep: false)
        guard check.passed else {
            throw BackupError("refusing to restore \(manifest.id): verification failed (\(check.findings.joined(separator: "; "))). Pick another backup from `bulwark backup list`")
        }
        let exists = try tools.query("SELECT 1 FROM pg_database WHERE datname = \(PostgresTools.literal(target.database))", on: target.with(database: "postgres"))
        if exists.isEmpty {
            _ = try tools.query("CREATE DATABASE \(PostgresTools.identifier(target.database))", on: target.with(database: "postgres"))
        }
        let tables = try tools.query("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r','p') AND c.relpersistence <> 't' AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            """, on: target)
        let existing = Int(tables.first?.first ?? "0") ?? 0
        if existing > 0, !force {
            throw BackupError("refusing to restore into \(target.redacted): it already has \(existing) table(s). Restore into an empty database, or pass --force to drop and recreate the backup's objects")
        }
        let archive = try await localArchive(of: manifest)
        // The name goes inside a conninfo string (`dbname='…'`), so libpq never reads it as one.
        var arguments = ["--dbname=\(target.databaseConnectionString)", "--no-password", "--no-owner", "--no-privileges", "--exit-on-error"]
        if existing > 0 { arguments += ["--clean", "--if-exists"] }
        let result = try Subprocess.run(tools.pgRestore, arguments + [archive.path], environment: target.environment)
        guard result.status == 0 else {
            throw BackupError("pg_restore into \(target.redacted) failed: \(PostgresTools.firstLine(result.errorOutput))")
        }
        logger.notice("backup restored", metadata: ["id": "\(manifest.id)", "target": "\(target.redacted)"])
        return check.findings + ["restored into \(target.redacted)"]
    }
}
