import Foundation
import PostgresNIO

extension PostgresAuditStore {
    public func events(matching query: AuditQuery, completedElsewhere: Set<AuditEventID>) async throws -> [AuditEntry] {
        let sql = Self.selectQuery(query, completedElsewhere: completedElsewhere)
        return try await withReadConnection("query audit events") { connection in
            var entries: [AuditEntry] = []
            for try await row in try await connection.query(sql, logger: logger) {
                entries.append(try Self.entry(from: row.makeRandomAccess()))
            }
            return entries
        }
    }

    /// The `SELECT` for `query`: its filters and cursor as conditions, newest first, one row more than
    /// the page.
    static func selectQuery(_ query: AuditQuery, completedElsewhere: Set<AuditEventID>) -> PostgresQuery {
        var binds = PostgresBindings()
        var conditions: [String] = []
        func bind(_ value: some PostgresNonThrowingEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        let time = AuditShipmentRows.time
        if let since = query.since { conditions.append("time >= \(time(bind(since.auditMilliseconds)))") }
        if let until = query.until { conditions.append("time < \(time(bind(until.auditMilliseconds)))") }
        if let actor = query.actor { conditions.append("actor = \(bind(actor))") }
        if let route = query.route { conditions.append("route = \(bind(route))") }
        if let status = query.status {
            conditions.append("status >= \(bind(Int64(status.range.lowerBound))) AND status < \(bind(Int64(status.range.upperBound)))")
        }
        switch query.kind {
        case nil: break
        case .request?: conditions.append("kind = 'request'")
        case .action?: conditions.append("kind = 'action'")
        case .completed?:
            let elsewhere = completedElsewhere.map(\.uuid)
            conditions.append("kind = 'request' AND (completed_sequence IS NOT NULL OR id = ANY(\(bind(elsewhere))::uuid[]))")
        }
        if let cursor = query.cursor.flatMap(AuditCursor.init) {
            conditions.append("(time, id) < (\(time(bind(cursor.milliseconds))), \(bind(cursor.id.uuid))::uuid)")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return PostgresQuery(unsafeSQL: """
            SELECT id, (extract(epoch FROM time) * 1000)::int8 AS ms, kind, actor, client, request_id, method, path, route,
                status, target, request_body_sha256, request_body, duration_ms, response_body_sha256, response_bytes,
                outcome, action, subject, detail::text AS detail
            FROM audit_events \(filter)
            ORDER BY time DESC, id DESC LIMIT \(query.pageSize + 1)
            """, binds: binds)
    }

    static func entry(from row: PostgresRandomAccessRow) throws -> AuditEntry {
        func text(_ column: String) throws -> String? { try row[column].decode(String?.self) }
        let kindText = try row["kind"].decode(String.self)
        guard let kind = AuditEntry.Kind(rawValue: kindText) else { throw AuditStoreError("audit_events holds an unknown kind '\(kindText)'") }
        var entry = AuditEntry(
            kind: kind, id: AuditEventID(uuid: try row["id"].decode(UUID.self)),
            time: Date(auditMilliseconds: try row["ms"].decode(Int64.self))
        )
        entry.actor = try text("actor")
        entry.client = try text("client")
        entry.requestID = try text("request_id")
        entry.method = try text("method")
        entry.path = try text("path")
        entry.route = try text("route")
        entry.status = try row["status"].decode(Int32?.self).map(Int.init)
        entry.target = try text("target")
        entry.requestBodySHA256 = try text("request_body_sha256")
        entry.requestBody = try text("request_body")
        entry.durationMilliseconds = try row["duration_ms"].decode(Double?.self)
        entry.responseBodySHA256 = try text("response_body_sha256")
        entry.responseBytes = try row["response_bytes"].decode(Int64?.self).map(Int.init)
        entry.outcome = try text("outcome")
        entry.action = try text("action")
        entry.subject = try text("subject")
        if let detail = try text("detail") {
            entry.detail = try JSONDecoder().decode([String: String].self, from: Data(detail.utf8))
        }
        return entry
    }
}
