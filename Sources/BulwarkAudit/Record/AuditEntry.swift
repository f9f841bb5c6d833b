import Foundation

/// What one journal record says: a gateway request's head (`request`), how its response ended
/// (`completed`), or an action (an admin API call, or any event a Swift service records). One flat value
/// with optional fields, so the journal, the database row, `bulwark audit query --json` and
/// `GET /api/audit` all show the same names.
///
/// A request's two records share its ``id`` and ``time``; the database keeps one row per event, which
/// the `completed` record fills in.
public struct AuditEntry: Sendable, Equatable, Codable {
    /// Which record this is.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// An audited request's response head came (or the gateway answered it itself).
        case request
        /// An audited request's response ended (or was cut short).
        case completed
        /// An action: an admin API call, or an event a service records through ``AuditLog``.
        case action
    }

    /// Which record this is.
    public var kind: Kind
    /// The event's id (UUIDv7; shared by a request's two records).
    public var id: AuditEventID
    /// When the event happened (a request's: when its response head came), to the millisecond.
    public var time: Date

    // Who and what.
    /// Who acted: the app's actor header, the verified token's claim, or the admin API.
    public var actor: String?
    /// The client's address (after trusted proxies).
    public var client: String?
    /// The request's id (`X-Request-ID`).
    public var requestID: String?
    /// The method (`POST`…).
    public var method: String?
    /// The canonical path (no query).
    public var path: String?
    /// The route's name (`routes[].name`).
    public var route: String?
    /// The status the client got.
    public var status: Int?
    /// The upstream target that answered (`host:port`), nil when the gateway answered itself.
    public var target: String?
    /// The SHA-256 (hex) of the whole request body, set on `completed` (the body streams past the head).
    public var requestBodySHA256: String?
    /// The first `capture_body` bytes of the request body, with `redact` fields masked.
    public var requestBody: String?

    // How it ended (`completed`).
    /// How long the exchange took, head to last byte, in milliseconds.
    public var durationMilliseconds: Double?
    /// The SHA-256 (hex) of the response body the client got.
    public var responseBodySHA256: String?
    /// Response body bytes sent.
    public var responseBytes: Int?
    /// `complete`, or how it was cut short (`aborted`, `client_closed`, `upstream_failed: …`).
    public var outcome: String?

    // An action.
    /// The action's name (`breaker.force_open`, `alert.resolve`, `cache.purge`, or a service's own).
    public var action: String?
    /// What it acted on (an upstream, an alert id, a key).
    public var subject: String?
    /// Anything else worth keeping, as text.
    public var detail: [String: String]?

    /// An empty entry of `kind`.
    public init(kind: Kind, id: AuditEventID, time: Date) {
        self.kind = kind
        self.id = id
        self.time = time
    }

    /// An action event (what a Swift service records with ``AuditLog/record(_:)``).
    public static func action(
        _ name: String, actor: String?, subject: String? = nil, detail: [String: String]? = nil,
        id: AuditEventID = AuditEventID(), time: Date = Date()
    ) -> AuditEntry {
        var entry = AuditEntry(kind: .action, id: id, time: time)
        entry.action = name
        entry.actor = actor
        entry.subject = subject
        entry.detail = detail
        return entry
    }

    enum CodingKeys: String, CodingKey {
        case kind, id, time, actor, client, method, path, route, status, target, outcome, action, subject, detail
        case requestID = "request_id"
        case requestBodySHA256 = "request_body_sha256"
        case requestBody = "request_body"
        case durationMilliseconds = "duration_ms"
        case responseBodySHA256 = "response_body_sha256"
        case responseBytes = "response_bytes"
    }
}
