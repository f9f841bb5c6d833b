import Foundation
import NIOCore
import PostgresNIO

/// One batch of records as column arrays, bound once per column and turned back into rows by
/// `unnest`: the new events to insert and the completions to apply.
struct AuditShipmentRows {
    /// `request` and `action` records.
    let inserted: [AuditRecord]
    /// `completed` records.
    let completions: [AuditRecord]

    init(_ records: [AuditRecord]) {
        inserted = records.filter { $0.entry.kind != .completed }
        completions = records.filter { $0.entry.kind == .completed }
    }

    /// A time as the SQL that rebuilds it exactly from whole milliseconds.
    static func time(_ column: String) -> String { "'epoch'::timestamptz + \(column) * interval '1 millisecond'" }

    /// `INSERT … SELECT FROM unnest(…) ON CONFLICT (id, time) DO NOTHING`.
    func insertQuery() throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: 22)
        let entries = inserted.map(\.entry)
        binds.append(entries.map(\.id.uuid))
        binds.append(entries.map(\.time.auditMilliseconds))
        binds.append(entries.map(\.kind.rawValue))
        binds.append(inserted.map { Int64($0.sequence) })
        binds.append(inserted.map { ByteBuffer(bytes: $0.hash) })
        for text in [\AuditEntry.actor, \.client, \.requestID, \.method, \.path, \.route] {
            binds.append(PostgresNullableArray(entries.map { $0[keyPath: text] }))
        }
        binds.append(PostgresNullableArray(entries.map { $0.status.map(Int64.init) }))
        for text in [\AuditEntry.target, \.requestBodySHA256, \.requestBody] {
            binds.append(PostgresNullableArray(entries.map { $0[keyPath: text] }))
        }
        binds.append(PostgresNullableArray(entries.map(\.durationMilliseconds)))
        binds.append(PostgresNullableArray(entries.map(\.responseBodySHA256)))
        binds.append(PostgresNullableArray(entries.map { $0.responseBytes.map(Int64.init) }))
        for text in [\AuditEntry.outcome, \.action, \.subject] {
            binds.append(PostgresNullableArray(entries.map { $0[keyPath: text] }))
        }
        binds.append(PostgresNullableArray(try entries.map { try $0.detail.map(Self.json) }))
        return PostgresQuery(unsafeSQL: """
            INSERT INTO audit_events (id, time, kind, sequence, hash, actor, client, request_id, method, path, route,
                status, target, request_body_sha256, request_body, duration_ms, response_body_sha256, response_bytes,
                outcome, action, subject, detail)
            SELECT id, \(Self.time("ms")), kind, sequence, hash, actor, client, request_id, method, path, route,
                status, target, request_body_sha256, request_body, duration_ms, response_body_sha256, response_bytes,
                outcome, action, subject, detail::jsonb
            FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::int8[], $5::bytea[], $6::text[], $7::text[], $8::text[],
                $9::text[], $10::text[], $11::text[], $12::int8[], $13::text[], $14::text[], $15::text[], $16::float8[],
                $17::text[], $18::int8[], $19::text[], $20::text[], $21::text[], $22::text[])
                AS x(id, ms, kind, sequence, hash, actor, client, request_id, method, path, route, status, target,
                     request_body_sha256, request_body, duration_ms, response_body_sha256, response_bytes, outcome,
                     action, subject, detail)
            ON CONFLICT (id, time) DO NOTHING
            """, binds: binds)
    }

    /// `UPDATE audit_events … FROM unnest(…)`: a completion fills its request's row (the same values
    /// again when shipped twice). The fields it sets are ``AuditEntry/completionFields``'s.
    func completionQuery() -> PostgresQuery {
        var binds = PostgresBindings(capacity: 11)
        let entries = completions.map(\.entry)
        binds.append(entries.map(\.id.uuid))
        binds.append(entries.map(\.time.auditMilliseconds))
        binds.append(completions.map { Int64($0.sequence) })
        binds.append(PostgresNullableArray(entries.map(\.requestBodySHA256)))
        binds.append(PostgresNullableArray(entries.map(\.durationMilliseconds)))
        binds.append(PostgresNullableArray(entries.map(\.responseBodySHA256)))
        binds.append(PostgresNullableArray(entries.map { $0.responseBytes.map(Int64.init) }))
        binds.append(PostgresNullableArray(entries.map(\.outcome)))
        binds.append(PostgresNullableArray(entries.map { $0.status.map(Int64.init) }))
        binds.append(PostgresNullableArray(entries.map(\.target)))
        binds.append(PostgresNullableArray(entries.map(\.requestBody)))
        return PostgresQuery(unsafeSQL: """
            UPDATE audit_events AS e SET
                request_body_sha256 = COALESCE(c.request_body_sha256, e.request_body_sha256),
                duration_ms = COALESCE(c.duration_ms, e.duration_ms),
                response_body_sha256 = COALESCE(c.response_body_sha256, e.response_body_sha256),
                response_bytes = COALESCE(c.response_bytes, e.response_bytes),
                outcome = COALESCE(c.outcome, e.outcome),
                status = COALESCE(c.status::int, e.status),
                target = COALESCE(c.target, e.target),
                request_body = COALESCE(c.request_body, e.request_body),
                completed_sequence = c.sequence
            FROM unnest($1::uuid[], $2::int8[], $3::int8[], $4::text[], $5::float8[], $6::text[], $7::int8[], $8::text[], $9::int8[], $10::text[], $11::text[])
                AS c(id, ms, sequence, request_body_sha256, duration_ms, response_body_sha256, response_bytes, outcome, status, target, request_body)
            WHERE e.id = c.id AND e.time = \(Self.time("c.ms"))
            """, binds: binds)
    }

    static func json(_ detail: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(detail), as: UTF8.self)
    }
}
