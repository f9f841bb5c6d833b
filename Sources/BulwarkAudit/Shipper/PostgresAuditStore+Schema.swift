import Logging
import PostgresNIO

extension PostgresAuditStore {
    /// The advisory lock key held while the schema or a partition is created ("BulwAudt").
    static let schemaLockKey: Int64 = 0x4275_6C77_4175_6474

    /// Creates the tables and indexes when missing, in one transaction under the advisory lock.
    static func ensureSchema(on connection: PostgresConnection, logger: Logger) async throws {
        try await transaction(on: connection, logger: logger) {
            try await connection.query("SELECT pg_advisory_xact_lock(\(schemaLockKey))", logger: logger)
            for statement in schemaStatements {
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
    }

    /// Creates the monthly partitions `partitions` when missing (the caller is in a transaction).
    static func ensurePartitions(_ partitions: [AuditPartition], on connection: PostgresConnection, logger: Logger) async throws {
        guard !partitions.isEmpty else { return }
        try await connection.query("SELECT pg_advisory_xact_lock(\(schemaLockKey))", logger: logger)
        for partition in partitions {
            try await connection.query(PostgresQuery(unsafeSQL:
                "CREATE TABLE IF NOT EXISTS \(partition.tableName) PARTITION OF audit_events FOR VALUES \(partition.boundsSQL)"
            ), logger: logger)
        }
    }

    static let schemaStatements = [
        """
        CREATE TABLE IF NOT EXISTS audit_events (
            id uuid NOT NULL,
            time timestamptz NOT NULL,
            kind text NOT NULL,
            sequence bigint NOT NULL,
            hash bytea NOT NULL,
            actor text,
            client text,
            request_id text,
            method text,
            path text,
            route text,
            status integer,
            target text,
            request_body_sha256 text,
            request_body text,
            duration_ms double precision,
            response_body_sha256 text,
            response_bytes bigint,
            outcome text,
            action text,
            subject text,
            detail jsonb,
            completed_sequence bigint,
            PRIMARY KEY (id, time)
        ) PARTITION BY RANGE (time)
        """,
        "CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (time)",
        "CREATE INDEX IF NOT EXISTS audit_events_actor_time ON audit_events (actor, time)",
        "CREATE INDEX IF NOT EXISTS audit_events_route_time ON audit_events (route, time)",
        """
        CREATE TABLE IF NOT EXISTS audit_anchor (
            journal text PRIMARY KEY,
            sequence bigint NOT NULL,
            hash bytea NOT NULL,
            updated_at timestamptz NOT NULL
        )
        """,
    ]
}
