import Foundation

/// One monthly partition of `audit_events`: `audit_events_yYYYYmMM`, holding the events from the first
/// instant of that month (UTC) up to the first instant of the next. Pure: names, bounds, which months a
/// batch needs and which partitions a retention cutoff drops.
struct AuditPartition: Sendable, Hashable, Comparable {
    /// The year.
    var year: Int
    /// The month, 1…12.
    var month: Int

    private static let prefix = "audit_events_y"

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The partition that holds `time`.
    init(containing time: Date) {
        let parts = Self.utc.dateComponents([.year, .month], from: time)
        year = parts.year!
        month = parts.month!
    }

    init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// The partition a table name stands for; nil for any other name.
    init?(tableName: String) {
        guard tableName.hasPrefix(Self.prefix) else { return nil }
        let rest = tableName.dropFirst(Self.prefix.count)
        let parts = rest.split(separator: "m", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month) else { return nil }
        self.init(year: year, month: month)
    }

    /// `audit_events_y2026m11`.
    var tableName: String { Self.prefix + String(format: "%04dm%02d", year, month) }

    /// The first instant of the month, UTC.
    var start: Date { Self.utc.date(from: DateComponents(year: year, month: month, day: 1))! }

    /// The first instant of the next month, UTC.
    var end: Date { next.start }

    /// The month after.
    var next: AuditPartition { month == 12 ? AuditPartition(year: year + 1, month: 1) : AuditPartition(year: year, month: month + 1) }

    /// `FOR VALUES FROM (…) TO (…)` bounds as SQL literals, UTC.
    var boundsSQL: String {
        "FROM ('\(Self.literal(start))') TO ('\(Self.literal(end))')"
    }

    /// The partitions the events at `times` need, oldest first.
    static func needed(for times: some Sequence<Date>) -> [AuditPartition] {
        Set(times.map(AuditPartition.init(containing:))).sorted()
    }

    /// Of the tables `names`, the partitions wholly older than `cutoff` (their last instant is before
    /// it), oldest first: what retention drops. Other names are ignored.
    static func expired(among names: some Sequence<String>, cutoff: Date) -> [AuditPartition] {
        names.compactMap(AuditPartition.init(tableName:)).filter { $0.end <= cutoff }.sorted()
    }

    static func < (lhs: AuditPartition, rhs: AuditPartition) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }

    private static func literal(_ date: Date) -> String {
        let parts = utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d 00:00:00+00", parts.year!, parts.month!, parts.day!)
    }
}
