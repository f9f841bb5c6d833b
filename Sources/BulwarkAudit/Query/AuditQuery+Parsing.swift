import Foundation

extension AuditQuery {
    /// A query from the words of `bulwark audit query` or `GET /api/audit`.
    ///
    /// - Parameters:
    ///   - since, until: a span back from `now` (`90s`, `30m`, `1h`, `7d`, `2w`) or an ISO 8601 time
    ///     (`2026-11-30T20:00:00Z`, fractional seconds allowed).
    ///   - status: `404` or a class `5xx`.
    ///   - kind: `request`, `completed` or `action`.
    ///   - limit: 1…1000 (default 100).
    ///   - cursor: a previous page's `nextCursor`.
    /// - Throws: ``AuditQueryError`` naming the word that is wrong.
    public static func parse(
        since: String? = nil, until: String? = nil, actor: String? = nil, route: String? = nil,
        status: String? = nil, kind: String? = nil, limit: String? = nil, cursor: String? = nil, now: Date = Date()
    ) throws(AuditQueryError) -> AuditQuery {
        var query = AuditQuery(actor: actor, route: route)
        if let since { query.since = try time(since, now: now, name: "since") }
        if let until { query.until = try time(until, now: now, name: "until") }
        if let status {
            guard let filter = AuditStatusFilter(status) else { throw AuditQueryError("status: expected a status such as 404 or a class such as 5xx, got '\(status)'") }
            query.status = filter
        }
        if let kind {
            guard let value = AuditEntry.Kind(rawValue: kind) else { throw AuditQueryError("kind: expected request, completed or action, got '\(kind)'") }
            query.kind = value
        }
        if let limit {
            guard let value = Int(limit), (1...maximumLimit).contains(value) else { throw AuditQueryError("limit: expected 1…\(maximumLimit), got '\(limit)'") }
            query.limit = value
        }
        if let cursor {
            guard AuditCursor(cursor) != nil else { throw AuditQueryError("cursor: not a cursor from a previous page") }
            query.cursor = cursor
        }
        return query
    }

    /// `1h`, `30m`, `7d` back from `now`, or an ISO 8601 time.
    static func time(_ text: String, now: Date, name: String) throws(AuditQueryError) -> Date {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        if let unit = text.last, let seconds = units[unit], let count = Double(text.dropLast()), count >= 0, count.isFinite {
            return now.addingTimeInterval(-count * seconds)
        }
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        throw AuditQueryError("\(name): expected a span such as 1h, 30m, 7d or an ISO 8601 time, got '\(text)'")
    }
}

/// A query word that cannot be read: which and why.
public struct AuditQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// E.g. `status: expected a status such as 404 or a class such as 5xx, got 'abc'`.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
