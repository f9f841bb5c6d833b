import Foundation

/// `pg_dump`, `pg_restore` and `psql`, found in `backup.bin_dir`, on `PATH`, or in Debian's
/// `/usr/lib/postgresql/<newest>/bin`.
public struct PostgresTools: Sendable {
    /// `pg_dump`.
    public let pgDump: String
    /// `pg_restore`.
    public let pgRestore: String
    /// `psql`.
    public let psql: String

    /// Finds the tools.
    public init(binDirectory: String?) throws(BackupError) {
        func find(_ name: String) throws(BackupError) -> String {
            var directories: [String] = []
            if let binDirectory { directories.append(binDirectory) }
            directories += (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
            let debian = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
            directories += debian.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin" }
            for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
                return "\(directory)/\(name)"
            }
            throw BackupError("\(name) not found (looked in \(binDirectory.map { "\($0), " } ?? "")PATH and /usr/lib/postgresql/*/bin): install PostgreSQL's client tools (apt-get install postgresql-client) or set backup.bin_dir")
        }
        pgDump = try find("pg_dump")
        pgRestore = try find("pg_restore")
        psql = try find("psql")
    }

    /// Runs `sql` with psql against `url`; returns the rows, fields split on `|`.
    func query(_ sql: String, on url: DatabaseURL, before: [String] = [], after: [String] = []) throws -> [[String]] {
        // Each statement its own -c: every psql version prints each one's result (-q hides BEGIN/COMMIT tags).
        let commands = (before + [sql] + after).flatMap { ["-c", $0] }
        let result = try Subprocess.run(psql, ["-X", "-q", "-w", "-A", "-t", "-F", "\u{1F}", "-v", "ON_ERROR_STOP=1"] + commands, environment: url.environment)
        guard result.status == 0 else {
            throw BackupError("cannot query \(url.redacted): \(Self.firstLine(result.errorOutput))")
        }
        return result.output.split(separator: "\n", omittingEmptySubsequences: true).map { $0.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The version line of a tool, e.g. `pg_dump (PostgreSQL) 15.18`.
    func version(of tool: String) -> String {
        (try? Subprocess.run(tool, ["--version"], environment: [:]).output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? "unknown"
    }

    /// Exact row counts of every ordinary table outside the system schemas. With `oneCore`, the scans
    /// run without parallel workers (PostgreSQL 9.6 and later), so counting beside a running pg_dump
    /// takes one core instead of competing with the dump for all of them.
    func rowCounts(on url: DatabaseURL, oneCore: Bool = false) throws -> [TableRowCount] {
        let tables = try query("""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r','p') AND c.relpersistence <> 't'
              AND n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg_toast%'
            ORDER BY 1, 2
            """, on: url)
        guard !tables.isEmpty else { return [] }
        let selects = tables.map { row in
            "SELECT \(Self.literal(row[0])), \(Self.literal(row[1])), count(*) FROM \(Self.identifier(row[0])).\(Self.identifier(row[1]))"
        }
        return try query(selects.joined(separator: " UNION ALL "), on: url, before: ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"] + (oneCore ? ["SET LOCAL max_parallel_workers_per_gather = 0"] : []), after: ["COMMIT"]).compactMap { row in
            guard row.count == 3, let rows = Int(row[2]) else { return nil }
            return TableRowCount(schema: row[0], table: row[1], rows: rows)
        }
    }

    static func identifier(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
    static func firstLine(_ text: String) -> String {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.first { $0.contains("error") || $0.contains("FATAL") || $0.contains("ERROR") } ?? lines.first ?? "no message"
    }
}
