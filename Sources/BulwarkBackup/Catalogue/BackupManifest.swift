import Foundation

/// Rows in one table at backup time.
public struct TableRowCount: Sendable, Hashable, Codable {
    /// Schema.
    public var schema: String
    /// Table.
    public var table: String
    /// Exact row count.
    public var rows: Int
}

/// What is recorded beside each archive (`<id>.json`): enough to verify it, restore it and reason about
/// retention without opening it.
public struct BackupManifest: Sendable, Hashable, Codable {
    /// The latest verification.
    public struct Verification: Sendable, Hashable, Codable {
        /// When.
        public var at: Date
        /// Whether it passed.
        public var passed: Bool
        /// Whether it was a deep (restore and count) verification.
        public var deep: Bool
        /// What was found.
        public var detail: String
    }

    /// `<database>-<yyyyMMdd'T'HHmmss'Z'>`.
    public var id: String
    /// Database name.
    public var database: String
    /// Source URL without password.
    public var source: String
    /// `server_version` of the source.
    public var serverVersion: String
    /// `pg_dump --version`.
    public var pgDumpVersion: String
    /// `custom` (pg_dump -Fc).
    public var format: String
    /// Archive file name inside the directory.
    public var file: String
    /// Dump start.
    public var startedAt: Date
    /// Dump end.
    public var finishedAt: Date
    /// Archive size in bytes.
    public var sizeBytes: Int
    /// Hex SHA-256 of the archive.
    public var sha256: String
    /// Per-table row counts taken at backup time.
    public var tables: [TableRowCount]
    /// Where copies live: `file:///…`, `s3://bucket/key`.
    public var locations: [String]
    /// The latest verification, if any.
    public var verification: Verification?

    /// When the backup was made (its start).
    public var createdAt: Date { startedAt }

    /// `verified`, `failed` or `unverified`.
    public var verifiedState: String {
        guard let verification else { return "unverified" }
        return verification.passed ? (verification.deep ? "verified (deep)" : "verified") : "FAILED"
    }

    enum CodingKeys: String, CodingKey {
        case id, database, source, format, file, sha256, tables, locations, verification
        case serverVersion = "server_version", pgDumpVersion = "pg_dump_version", startedAt = "started_at"
        case finishedAt = "finished_at", sizeBytes = "size_bytes"
    }
}
