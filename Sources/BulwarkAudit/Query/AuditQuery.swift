import Foundation

/// Which audit events to list, newest first, a page at a time.
///
/// ```swift
/// var query = try AuditQuery.parse(since: "1h", status: "5xx", now: Date())
/// query.route = "login"
/// let page = try await audit.query(query)
/// if let next = page.nextCursor { query.cursor = next }   // the next (older) page
/// ```
///
/// Every filter is on the event's `request` (or `action`) record; `kind: .completed` keeps the
/// request events whose response has ended (their `completed` record is in).
public struct AuditQuery: Sendable, Equatable {
    /// The largest ``limit``: 1,000.
    public static let maximumLimit = 1000
    /// The default ``limit``: 100.
    public static let defaultLimit = 100

    /// Events at or after this time.
    public var since: Date?
    /// Events before this time.
    public var until: Date?
    /// Events of this actor only.
    public var actor: String?
    /// Events of this route (`routes[].name`) only.
    public var route: String?
    /// Events whose status matches.
    public var status: AuditStatusFilter?
    /// `request` (request events), `action`, or `completed` (request events whose response ended).
    public var kind: AuditEntry.Kind?
    /// Events per page, 1…1000 (clamped). Default 100.
    public var limit: Int
    /// Where the page starts: a previous page's ``AuditPage/nextCursor``; nil for the newest events.
    public var cursor: String?

    /// A query; by default every event, the newest 100.
    public init(
        since: Date? = nil, until: Date? = nil, actor: String? = nil, route: String? = nil,
        status: AuditStatusFilter? = nil, kind: AuditEntry.Kind? = nil, limit: Int = AuditQuery.defaultLimit,
        cursor: String? = nil
    ) {
        self.since = since
        self.until = until
        self.actor = actor
        self.route = route
        self.status = status
        self.kind = kind
        self.limit = limit
        self.cursor = cursor
    }

    /// ``limit`` within 1…1000.
    public var pageSize: Int { min(max(limit, 1), Self.maximumLimit) }
}
