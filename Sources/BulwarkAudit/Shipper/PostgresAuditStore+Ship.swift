import Foundation
import NIOCore
import PostgresNIO

extension PostgresAuditStore {
    public func ship(_ records: [AuditRecord], journal: String) async throws {
        guard let last = records.last else { return }
        let rows = AuditShipmentRows(records)
        try await withSession("ship records \(records[0].sequence)…\(last.sequence)") { connection in
            let known = session.withLock { $0.partitions }
            // By the instant each row is stored at (whole milliseconds, as the insert rounds), so an event
            // in the last half millisecond of a month finds its partition.
            let stored = records.map { Date(auditMilliseconds: $0.entry.time.auditMilliseconds) }
            let missing = AuditPartition.needed(for: stored).filter { !known.contains($0) }
            try await Self.transaction(on: connection, logger: logger) {
                try await Self.ensurePartitions(missing, on: connection, logger: logger)
                if !rows.inserted.isEmpty { try await connection.query(rows.insertQuery(), logger: logger) }
                if !rows.completions.isEmpty { try await connection.query(rows.completionQuery(), logger: logger) }
                try await connection.query(Self.anchorQuery(journal: journal, last: last), logger: logger)
            }
            session.withLock { $0.partitions.formUnion(missing) }
        }
    }

    public func anchor(journal: String) async throws -> AuditStoreAnchor? {
        try await withReadConnection("read the audit anchor") { connection in
            let rows = try await connection.query(
                "SELECT sequence, hash, (extract(epoch FROM updated_at) * 1000)::int8 FROM audit_anchor WHERE journal = \(journal)",
                logger: logger
            )
            for try await (sequence, hash, milliseconds) in rows.decode((Int64, ByteBuffer, Int64).self) {
                return AuditStoreAnchor(sequence: UInt64(sequence), hash: Array(buffer: hash), updatedAt: Date(auditMilliseconds: milliseconds))
            }
            return nil
        }
    }

    public func recordHashes(ofEvents ids: [AuditEventID]) async throws -> [AuditEventID: [UInt8]] {
        guard !ids.isEmpty else { return [:] }
        return try await withReadConnection("read stored record hashes") { connection in
            let wanted = ids.map(\.uuid)
            let rows = try await connection.query("SELECT id, hash FROM audit_events WHERE id = ANY(\(wanted))", logger: logger)
            var found: [AuditEventID: [UInt8]] = [:]
            for try await (id, hash) in rows.decode((UUID, ByteBuffer).self) { found[AuditEventID(uuid: id)] = Array(buffer: hash) }
            return found
        }
    }

    public func removeEvents(olderThan cutoff: Date) async throws -> [String] {
        // Its own connection: the shipping one may be inside a shipment's transaction right now.
        try await withReadConnection("drop expired audit partitions") { connection in
            let rows = try await connection.query("""
                SELECT c.relname FROM pg_inherits i
                JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                WHERE p.relname = 'audit_events' AND p.relnamespace = c.relnamespace
                  AND pg_catalog.pg_table_is_visible(p.oid)
                """, logger: logger)
            var names: [String] = []
            for try await name in rows.decode(String.self) { names.append(name) }
            let expired = AuditPartition.expired(among: names, cutoff: cutoff)
            for partition in expired {
                try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(partition.tableName)"), logger: logger)
            }
            session.withLock { $0.partitions.subtract(expired) }
            return expired.map(\.tableName)
        }
    }

    private static func anchorQuery(journal: String, last: AuditRecord) -> PostgresQuery {
        let hash = ByteBuffer(bytes: last.hash)
        return """
            INSERT INTO audit_anchor (journal, sequence, hash, updated_at) VALUES (\(journal), \(Int64(last.sequence)), \(hash), now())
            ON CONFLICT (journal) DO UPDATE SET sequence = EXCLUDED.sequence, hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at
            WHERE audit_anchor.sequence <= EXCLUDED.sequence
            """
    }
}

extension Date {
    /// The instant `milliseconds` after the Unix epoch, computed as JSON decoding does, so an entry read
    /// back from the database equals the one read from the journal.
    init(auditMilliseconds milliseconds: Int64) { self.init(timeIntervalSince1970: Double(milliseconds) / 1000.0) }

    /// Whole Unix milliseconds (entries keep time to the millisecond).
    var auditMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
