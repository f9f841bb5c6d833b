import Foundation

/// A random simple cron expression, built from numbers, together with the values each of its fields
/// allows, worked out here independently of the parser, and a matcher that reads UTC fields with plain
/// arithmetic instead of `Calendar`.
struct SimpleCronExpression: CustomStringConvertible {
    /// The expression text, e.g. `*/7 3-9 * * 1,5`.
    var text: String
    /// Allowed values per field: minute, hour, day-of-month, month, day-of-week (Sunday is 0).
    var allowed: [Set<Int>]
    /// Whether day-of-month does not start with `*`.
    var dayOfMonthRestricted: Bool
    /// Whether day-of-week does not start with `*`.
    var dayOfWeekRestricted: Bool

    var description: String { text }

    /// Field bounds, and how many of ten shapes are `*` for each (rarely restricting months and days
    /// keeps most next runs within the brute-force window).
    private static let fields: [(bounds: ClosedRange<Int>, wildcardShapes: Int)] = [
        (0...59, 2), (0...23, 2), (1...31, 6), (1...12, 8), (0...7, 5),
    ]

    /// Builds an expression from `seeds` (at least 20 non-negative numbers, four per field).
    init(seeds: [Int]) {
        var texts: [String] = []
        var allowed: [Set<Int>] = []
        for (index, field) in Self.fields.enumerated() {
            let (shape, first, second, third) = (seeds[4 * index], seeds[4 * index + 1], seeds[4 * index + 2], seeds[4 * index + 3])
            let bounds = field.bounds
            let width = bounds.count
            let a = bounds.lowerBound + first % width
            let b = bounds.lowerBound + second % width
            let (low, high) = (min(a, b), max(a, b))
            let step = 1 + third % 12
            let (text, values): (String, [Int]) = switch shape % 10 {
            case ..<field.wildcardShapes: ("*", Array(bounds))
            case field.wildcardShapes: ("*/\(step)", Array(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step)))
            case field.wildcardShapes + 1: ("\(low)-\(high)", Array(low...high))
            case field.wildcardShapes + 2: ("\(a),\(b)", [a, b])
            case field.wildcardShapes + 3: ("\(low)-\(high)/\(step)", Array(stride(from: low, through: high, by: step)))
            default: ("\(a)", [a])
            }
            texts.append(text)
            allowed.append(Set(values.map { index == 4 && $0 == 7 ? 0 : $0 }))
        }
        self.text = texts.joined(separator: " ")
        self.allowed = allowed
        self.dayOfMonthRestricted = !texts[2].hasPrefix("*")
        self.dayOfWeekRestricted = !texts[4].hasPrefix("*")
    }

    /// Whether the UTC minute `minute` (minutes since 1970, not negative) matches, by Vixie cron's rules.
    func matches(minute: Int) -> Bool {
        let fields = Self.utcFields(minute: minute)
        guard allowed[0].contains(fields.minute), allowed[1].contains(fields.hour),
              allowed[3].contains(fields.month)
        else { return false }
        let byDay = allowed[2].contains(fields.day)
        let byWeekday = allowed[4].contains(fields.weekday)
        return dayOfMonthRestricted && dayOfWeekRestricted ? byDay || byWeekday : byDay && byWeekday
    }

    /// The UTC wall-clock fields of a minute since 1970, by Howard Hinnant's `civil_from_days`.
    static func utcFields(minute: Int) -> (minute: Int, hour: Int, day: Int, month: Int, weekday: Int) {
        let days = minute / 1440
        let minuteOfDay = minute % 1440
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (minuteOfDay % 60, minuteOfDay / 60, day, month, (days + 4) % 7)
    }
}
