@testable import BulwarkBackup
import BulwarkConfig
import BulwarkTestSupport
import Foundation
import Logging
import Testing

/// Database names reach libpq quoted: a name that looks like a connection string (`dbname=other`,
/// `x host=/nonexistent`, a `postgresql://` URI) names a database, never another connection.
@Suite(.timeLimit(.minutes(3)), .serialized)
struct BackupDatabaseNameTests {
    /// Names that libpq would read as a connection string if passed bare to `--dbname`.
    static let trickyNames = ["dbname=other", "x host=/nonexistent port=1", "it's a \\ 'quoted' = name", "postgresql://127.0.0.1:1/other"]

    /// `postgres://…/<name>` with the name percent-encoded.
    static func url(_ server: PostgresServer, _ name: String) -> String {
        "postgres://postgres@127.0.0.1:\(server.port)/\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
    }

    /// `name` for psql's `-d` (which expands connection strings): `dbname='…'`, written out here by hand.
    static func psqlName(_ name: String) -> String {
        "dbname='\(name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))'"
    }

    @Test func theConnectionStringQuotesTheName() throws {
        let url = try DatabaseURL(parsing: "postgres://u@h:5432/\("it's a \\ x".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
        #expect(url.database == "it's a \\ x")
        #expect(url.databaseConnectionString == #"dbname='it\'s a \\ x'"#)
        #expect(try DatabaseURL(parsing: "postgres://u@h/app").databaseConnectionString == "dbname='app'")
    }

    @Test(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"))
    func restoreIntoANameThatLooksLikeAConnectionStringRestoresIntoThatName() async throws {
        try await BackupHarness.with { harness async throws in
            let manifest = try await harness.manager.run()
            let original = try harness.contents(of: "app")
            // Before the fix, `--dbname=dbname=other` restored into `other`, and a name with `host=` connected
            // to that host.
            try harness.server.psql("CREATE DATABASE other")
            for name in Self.trickyNames {
                let lines = try await harness.manager.restore(manifest, targetURL: Self.url(harness.server, name), force: false)
                #expect(lines.last?.hasSuffix("/\(name)") == true, "\(lines)")
                #expect(try harness.contents(of: Self.psqlName(name)) == original, "\(name)")
                // Restored again with --force into the same, now non-empty, database (pg_restore --clean).
                _ = try await harness.manager.restore(manifest, targetURL: Self.url(harness.server, name), force: true)
                #expect(try harness.contents(of: Self.psqlName(name)) == original, "\(name)")
            }
            let elsewhere = try harness.server.psql("SELECT count(*) FROM pg_class WHERE relname = 'items'", database: "other")
            #expect(elsewhere.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        }
    }

    @Test(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"))
    func aSourceWithSuchANameIsBackedUpAndDeepVerifiedLiterally() async throws {
        try await BackupHarness.with { harness async throws in
            let name = "x host=/nonexistent dbname=app"
            try harness.server.psql("CREATE DATABASE \"\(name)\"")
            try harness.server.psql("CREATE TABLE only_here (id int); INSERT INTO only_here SELECT generate_series(1, 7)", database: Self.psqlName(name))
            let directory = harness.directory.appendingPathComponent("named")
            let manager = try BackupManager(settings: BackupSettings(databaseURL: Self.url(harness.server, name), directory: directory.path), logger: RecordingLogHandler.logger().0)
            let manifest = try await manager.run()
            #expect(manifest.database == name)
            #expect(manifest.id.hasPrefix("xhostnonexistentdbnameapp-"))
            #expect(manifest.tables == [TableRowCount(schema: "public", table: "only_here", rows: 7)])
            let deep = try await manager.verify(manifest, deep: true)
            #expect(deep.passed, "\(deep.findings)")
        }
    }

    @Test(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"))
    func aNonASCIIDatabaseNameStillGivesASafeID() async throws {
        try await BackupHarness.with { harness async throws in
            try harness.server.psql("CREATE DATABASE \"Grüße\"")
            let directory = harness.directory.appendingPathComponent("unicode")
            let manager = try BackupManager(settings: BackupSettings(databaseURL: Self.url(harness.server, "Grüße"), directory: directory.path), logger: RecordingLogHandler.logger().0)
            let manifest = try await manager.run()
            #expect(manifest.id.hasPrefix("Gre-"))
            #expect(try manager.catalogue.all().map(\.id) == [manifest.id])
        }
    }
}
