import Foundation

/// Names the period a date falls in for each rule: `2026-11-23`, `2026-W47`, `2026-11`, `2026`.
struct RetentionPeriods: Sendable {
    /// The calendar for days, months and years.
    let calendar: Calendar
    /// The same calendar with ISO 8601 week rules: weeks start on Monday, week 1 holds January 4th.
    let weekCalendar: Calendar

    /// Names periods in `calendar` (its time zone decides where days begin).
    init(calendar: Calendar) {
        self.calendar = calendar
        var weekCalendar = calendar
        weekCalendar.firstWeekday = 2
        weekCalendar.minimumDaysInFirstWeek = 4
        self.weekCalendar = weekCalendar
    }

    /// The name of the period of `rule` that `date` falls in.
    func period(_ rule: RetentionRule, of date: Date) -> String {
        guard rule != .weekly else {
            let week = weekCalendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return "\(Self.digits(week.yearForWeekOfYear, 4))-W\(Self.digits(week.weekOfYear, 2))"
        }
        let day = calendar.dateComponents([.year, .month, .day], from: date)
        switch rule {
        case .daily: return "\(Self.digits(day.year, 4))-\(Self.digits(day.month, 2))-\(Self.digits(day.day, 2))"
        case .monthly: return "\(Self.digits(day.year, 4))-\(Self.digits(day.month, 2))"
        case .yearly, .weekly: return Self.digits(day.year, 4)
        }
    }

    /// A calendar field, zero-padded to `width` digits.
    private static func digits(_ value: Int?, _ width: Int) -> String {
        (value ?? 0).zeroPadded(to: width)
    }
}
