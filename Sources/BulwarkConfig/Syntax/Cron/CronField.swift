/// One of the five fields of a cron expression, with its position, name, range and value names.
enum CronField: Int, Sendable, CaseIterable {
    case minute = 1
    case hour
    case dayOfMonth
    case month
    case dayOfWeek

    /// The name used in error messages, e.g. `day-of-month`.
    var name: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// `field 3 (day-of-month)`: how error messages point at the field.
    var label: String { "field \(rawValue) (\(name))" }

    /// The values the field accepts. Day-of-week accepts 7 as a second spelling of Sunday (0).
    var bounds: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// Names accepted instead of numbers (lowercase), the first standing for `bounds.lowerBound`.
    var valueNames: [String] {
        switch self {
        case .month: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        case .dayOfWeek: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        case .minute, .hour, .dayOfMonth: []
        }
    }

    /// What a name stands for in error messages, e.g. `month name`.
    var valueNameKind: String {
        self == .month ? "month name" : "day name"
    }
}
