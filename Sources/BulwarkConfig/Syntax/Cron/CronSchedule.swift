/// A standard five-field cron schedule: `minute hour day-of-month month day-of-week`.
///
/// Each field is `*`, a value, a range `a-b`, a step `*/n` or `a-b/n` (or `a/n`, from `a` to the end of
/// the range), or a comma-separated list of these. Months may be written `jan`…`dec` and weekdays
/// `sun`…`sat` (any case); both 0 and 7 mean Sunday. The macros `@yearly` (`@annually`), `@monthly`,
/// `@weekly`, `@daily` (`@midnight`) and `@hourly` stand for their usual expansions.
///
/// Days follow Vixie cron: when both day-of-month and day-of-week are restricted (neither starts with
/// `*`), a day matches if *either* matches, so `0 0 13 * fri` runs on every 13th and every Friday.
/// When either starts with `*` (including `*/n`), both must match.
///
/// | expression | runs |
/// | --- | --- |
/// | `0 2 * * *` | every day at 02:00 |
/// | `*/15 * * * *` | every quarter hour |
/// | `30 4 * * mon-fri` | weekdays at 04:30 |
/// | `0 3 1 * *` | the 1st of each month at 03:00 |
/// | `@weekly` | Sundays at 00:00 |
///
/// ```swift
/// let schedule = try CronSchedule(parsing: "0 2 * * *")
/// let next = schedule.nextRun(after: .now, in: TimeZone(identifier: "Europe/Berlin")!)
/// ```
public struct CronSchedule: Sendable, Hashable {
    /// The expression as it was given.
    public let expression: String

    let minutes: CronFieldSet
    let hours: CronFieldSet
    let daysOfMonth: CronFieldSet
    let months: CronFieldSet
    let daysOfWeek: CronFieldSet
    /// Whether the day-of-month field starts with `*` (Vixie cron's rule for combining the day fields).
    let dayOfMonthIsWildcard: Bool
    /// Whether the day-of-week field starts with `*`.
    let dayOfWeekIsWildcard: Bool

    /// Parses a five-field cron expression or one of the `@` macros.
    ///
    /// - Parameter expression: For example `0 2 * * *`, `*/15 9-17 * * mon-fri` or `@daily`. Fields are
    ///   separated by whitespace; leading and trailing whitespace is ignored.
    /// - Throws: ``CronParseError`` naming the field at fault, e.g.
    ///   `field 2 (hour): 25 is out of range 0-23`.
    public init(parsing expression: String) throws(CronParseError) {
        self.expression = expression
        let texts = try Self.fieldTexts(of: expression)
        minutes = try CronField.minute.parse(texts[0], in: expression)
        hours = try CronField.hour.parse(texts[1], in: expression)
        daysOfMonth = try CronField.dayOfMonth.parse(texts[2], in: expression)
        months = try CronField.month.parse(texts[3], in: expression)
        daysOfWeek = try CronField.dayOfWeek.parse(texts[4], in: expression)
        dayOfMonthIsWildcard = texts[2].hasPrefix("*")
        dayOfWeekIsWildcard = texts[4].hasPrefix("*")
    }

    /// Whether the day fields allow the day of `time` (the month is checked separately).
    func dayMatches(_ time: CronWallTime) -> Bool {
        let byDayOfMonth = daysOfMonth.contains(time.day)
        let byDayOfWeek = daysOfWeek.contains(time.weekday)
        if dayOfMonthIsWildcard || dayOfWeekIsWildcard {
            return byDayOfMonth && byDayOfWeek
        }
        return byDayOfMonth || byDayOfWeek
    }
}
