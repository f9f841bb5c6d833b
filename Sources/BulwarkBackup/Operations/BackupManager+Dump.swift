import Crypto
import Foundation

/// The blocking halves of a run: the dump itself, and the description of the source that goes in the
/// manifest. Each runs on a thread of its own (``BlockingThread``), at the same time.
extension BackupManager {
    /// What one `pg_dump` wrote.
    struct DumpResult: Sendable {
        var size: Int
        var sha256: String
    }

    /// What the manifest records about the source.
    struct SourceDescription: Sendable {
        var serverVersion: String
        var pgDumpVersion: String
        var tables: [TableRowCount]

        /// Reads the server version, pg_dump's version and exact row counts (one snapshot).
        init(tools: PostgresTools, source: DatabaseURL) throws {
            let row = try tools.query("SELECT current_setting('server_version'), current_setting('server_version_num')", on: source).first
            guard let row, row.count == 2, let number = Int(row[1]) else {
                throw BackupError("cannot read the server version of \(source.redacted)")
            }
            serverVersion = row[0]
            pgDumpVersion = tools.version(of: tools.pgDump)
            // max_parallel_workers_per_gather exists from 9.6 on; older servers count as they always did.
            tables = try tools.rowCounts(on: source, oneCore: number >= 90600)
        }
    }

    /// Streams `pg_dump -Fc` into `partial`, hashing the same chunks it writes (one read of the data),
    /// then fsyncs the file. The file is created `0600`. On any failure the partial file is removed.
    static func dump(tools: PostgresTools, source: DatabaseURL, compressionLevel: Int, into partial: URL, progress: Progress?) throws -> DumpResult {
        let output = try PrivateFile.create(at: partial)
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(at: partial) } }
        var hasher = SHA256()
        var size = 0
        let clock = ContinuousClock()
        let start = clock.now
        var lastReport = start
        let result = try Subprocess.stream(tools.pgDump, ["--format=custom", "--compress=\(compressionLevel)", "--no-password"], environment: source.environment) { chunk in
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
        keep = true
        return DumpResult(size: size, sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }
}
