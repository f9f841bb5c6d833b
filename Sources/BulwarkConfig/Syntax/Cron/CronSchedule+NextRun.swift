import Foundation

extension CronSchedule {
    /// How many calendar years past the start ``nextRun(after:in:)`` searches before giving up.
    static let searchYears = 5

    /// The first run time strictly after `date`, reading the fields as wall-clock time in `timeZone`.
    ///
    /// The search skips whole months, days and hours that cannot match, so even a rare schedule costs
    /// a few thousand steps at most.
    ///
    /// Around daylight-saving changes:
    /// - a wall time that does not exist because clocks jump forward runs at the instant the calendar
    ///   maps it to, shifted by the jump (in New York, `30 2 * * *` runs at 03:30 on that day);
    /// - a wall time that happens twice because clocks go back runs once, at its first occurrence.
    ///
    /// - Parameters:
    ///   - date: The instant to search after; seconds are ignored, and the result is always later.
    ///   - timeZone: The time zone whose wall clock the fields describe.
    /// - Returns: The next run, or nil if nothing matches before the end of the fifth calendar year after
    ///   `date`'s year (for example `0 0 30 2 *`, February 30).
    public func nextRun(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let now = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        guard let year = now.year, let month = now.month, let day = now.day, let hour = now.hour,
              let minute = now.minute
        else { return nil }
        let lastYear = year + Self.searchYears
        var start = CronWallTime(year: year, month: month, day: day, hour: hour, minute: minute)
        start.advanceToNextMinute()
        while let match = firstMatch(from: start, through: lastYear) {
            let components = DateComponents(
                year: match.year, month: match.month, day: match.day, hour: match.hour, minute: match.minute
            )
            // Later than `date` unless the match is a repeated wall time whose first occurrence has passed.
            if let instant = calendar.date(from: components), instant > date {
                return instant
            }
            start = match
            start.advanceToNextMinute()
        }
        return nil
    }

    /// The first wall time at or after `start` that the fields allow, or nil if none by the end of
    /// `lastYear`.
    func firstMatch(from start: CronWallTime, through lastYear: Int) -> CronWallTime? {
        var time = start
        while time.year <= lastYear {
            guard months.contains(time.month) else {
                time.advanceToNextMonth()
                continue
            }
            guard dayMatches(time) else {
                time.advanceToNextDay()
                continue
            }
            guard hours.contains(time.hour) else {
                time.advanceToNextHour()
                continue
            }
            guard let minute = minutes.first(atLeast: time.minute) else {
                time.advanceToNextHour()
                continue
            }
            time.minute = minute
            return time
        }
        return nil
    }
}
