import BulwarkAudit
import BulwarkConfig
import Foundation

/// `GET /api/audit` and `GET /api/audit/status`: the audit log's events, and its journal's and
/// shipper's state. Both answer 404 without `audit:`.
///
/// `GET /api/audit?since=1h&until=…&actor=…&route=…&status=5xx&kind=request|completed|action&limit=…&cursor=…`
/// answers `{"events": [...], "next_cursor": "…"}`, newest first (a request's two records merged into
/// one event); pass `next_cursor` as `cursor` for the next, older page. A bad parameter answers 400
/// naming it.
extension AdminAPI {
    /// The parameters `GET /api/audit` reads.
    static let auditParameters = ["since", "until", "actor", "route", "status", "kind", "limit", "cursor"]

    func auditEvents(_ request: AdminRequest) async -> AdminResponse {
        guard let auditLog else { return Self.auditNotConfigured }
        let query: AuditQuery
        switch Self.auditQuery(request.query, now: monitor.date) {
        case .success(let value): query = value
        case .failure(let problem): return .error(.badRequest, problem.message)
        }
        do {
            let page = try await auditLog.query(query)
            return .json(APIBody.AuditEvents(events: page.events, next_cursor: page.nextCursor), encoder: APIBody.auditEncoder)
        } catch {
            return .error(.serviceUnavailable, "the audit log could not be read: \(SecretRedaction.redactingURLs(in: "\(error)"))")
        }
    }

    func auditStatus() -> AdminResponse {
        guard let auditLog, let settings = gateway.configuration.audit else { return Self.auditNotConfigured }
        return .json(APIBody.AuditStatus(auditLog.status, settings: settings), encoder: APIBody.auditEncoder)
    }

    /// The query `parameters` ask for, or the first that is wrong (unknown ones included).
    static func auditQuery(_ parameters: [String: String], now: Date) -> Result<AuditQuery, AuditQueryError> {
        if let unknown = parameters.keys.sorted().first(where: { !auditParameters.contains($0) }) {
            return .failure(AuditQueryError("\(unknown): unknown parameter; use \(auditParameters.joined(separator: ", "))"))
        }
        func value(_ name: String) -> String? { parameters[name].flatMap { $0.isEmpty ? nil : $0 } }
        do throws(AuditQueryError) {
            return .success(try AuditQuery.parse(
                since: value("since"), until: value("until"), actor: value("actor"), route: value("route"),
                status: value("status"), kind: value("kind"), limit: value("limit"), cursor: value("cursor"), now: now
            ))
        } catch {
            return .failure(error)
        }
    }

    static let auditNotConfigured = AdminResponse.error(.notFound, "the audit log is not configured: add an audit: section to the configuration (and restart)")
}
