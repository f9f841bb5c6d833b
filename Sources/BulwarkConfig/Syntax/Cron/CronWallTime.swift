/// A wall-clock minute in the proleptic Gregorian calendar: the unit ``CronSchedule`` searches in.
///
/// Arithmetic here is plain calendar arithmetic with no time zone; the time zone only matters when a
/// wall time is turned into an instant.
struct CronWallTime: Sendable, Hashable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    /// The day of the week, 0 (Sunday) through 6 (Saturday).
    var weekday: Int {
        let days = Self.daysSinceUnixEpoch(year: year, month: month, day: day)
        return ((days + 4) % 7 + 7) % 7   // 1970-01-01 was a Thursday
    }

    /// The first minute of the next month.
    mutating func advanceToNextMonth() {
        (day, hour, minute) = (1, 0, 0)
        if month == 12 {
            (year, month) = (year + 1, 1)
        } else {
            month += 1
        }
    }

    /// The first minute of the next day.
    mutating func advanceToNextDay() {
        if day == Self.daysInMonth(year: year, month: month) {
            advanceToNextMonth()
        } else {
            (day, hour, minute) = (day + 1, 0, 0)
        }
    }

    /// The first minute of the next hour.
    mutating func advanceToNextHour() {
        if hour == 23 {
            advanceToNextDay()
        } else {
            (hour, minute) = (hour + 1, 0)
        }
    }

    /// The next minute.
    mutating func advanceToNextMinute() {
        if minute == 59 {
            advanceToNextHour()
        } else {
            minute += 1
        }
    }

    /// The number of days in `month` of `year`.
    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Whether `year` has a February 29.
    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// Days from 1970-01-01 to the given date (negative before it), by Howard Hinnant's `days_from_civil`.
    static func daysSinceUnixEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year                  // years start in March
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
