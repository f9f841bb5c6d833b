import BulwarkBackup
import BulwarkConfig
import BulwarkTestSupport
import Foundation
import Logging

/// A real PostgreSQL with a sample database, a temp backup directory and a manager for it.
struct BackupHarness {
    let server: PostgresServer
    let directory: URL
    let manager: BackupManager
    var settings: BackupSettings { manager.settings }

    /// Starts a server, creates database `app` with `schema`, runs `body`, stops everything.
    static func with<T>(
        schema: String = BackupHarness.sampleSchema,
        configure: (inout BackupSettings) -> Void = { _ in },
        environment: [String: String] = [:],
        _ body: (BackupHarness) async throws -> T
    ) async throws -> T {
        let server = try await PostgresServer.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-backups-\(UUID().uuidString)")
        defer {
            server.stop()
            try? FileManager.default.removeItem(at: directory)
        }
        try server.psql("CREATE DATABASE app")
        try server.psql(schema, database: "app")
        var settings = BackupSettings(databaseURL: server.url(database: "app"), directory: directory.path)
        configure(&settings)
        var logger = Logger(label: "test.backup")
        logger.logLevel = .critical
        let manager = try BackupManager(settings: settings, environment: environment, logger: logger)
        return try await body(BackupHarness(server: server, directory: directory, manager: manager))
    }

    /// Every row of every sample table, in a stable text form, for comparing databases.
    func contents(of database: String) throws -> String {
        try server.psql("""
            SELECT 'items', string_agg(format('%s|%s|%s|%s|%s|%s', id, name, encode(payload, 'hex'), details::text, price, created_at), E'\\n' ORDER BY id) FROM items
            UNION ALL SELECT 'notes', string_agg(format('%s|%s', id, body), E'\\n' ORDER BY id) FROM other.notes
            UNION ALL SELECT 'seq', last_value::text FROM items_id_seq
            """, database: database)
    }

    static let sampleSchema = """
        CREATE TABLE items (
            id serial PRIMARY KEY, name text NOT NULL, payload bytea, details jsonb, price numeric(10,2),
            created_at timestamptz DEFAULT '2026-01-02 03:04:05+00'
        );
        INSERT INTO items (name, payload, details, price) VALUES
            ('Grüße aus Köln — 東京 🚀', '\\x00ff10deadbeef', '{"tags": ["a", "ü"], "nested": {"n": 1.5}}', 12.34),
            ('line\nbreak and ''quote''', '\\x', '[]', NULL),
            ('plain', NULL, NULL, 0);
        INSERT INTO items (name, price) SELECT 'bulk ' || g, g FROM generate_series(1, 500) g;
        CREATE SCHEMA other;
        CREATE TABLE other.notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);
        INSERT INTO other.notes (body) VALUES ('ß'), ('Ω'), ('');
        """
}

/// Whether `CI=true`.
var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
