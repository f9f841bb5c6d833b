import BulwarkConfig
import Foundation
import PropertyBased
import Testing

/// A UTC instant from its wall-clock fields.
private func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = .gmt
    let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    guard let date = calendar.date(from: components) else { preconditionFailure("invalid test date") }
    return date
}

@Suite("Cron schedules", .timeLimit(.minutes(1)))
struct CronScheduleTests {
    /// The problem reported for `expression`, or nil if it parses.
    static func problem(_ expression: String) -> String? {
        do {
            _ = try CronSchedule(parsing: expression)
            return nil
        } catch {
            return error.problem
        }
    }

    /// The next `count` runs of `expression` in UTC, starting after `date`.
    static func runs(_ expression: String, after date: Date, count: Int) throws -> [Date] {
        let schedule = try CronSchedule(parsing: expression)
        var runs: [Date] = []
        var last = date
        while runs.count < count, let next = schedule.nextRun(after: last, in: .gmt) {
            runs.append(next)
            last = next
        }
        return runs
    }

    @Test("parse errors name the field", arguments: [
        ("61 * * * *", "field 1 (minute): 61 is out of range 0-59"),
        ("0 25 * * *", "field 2 (hour): 25 is out of range 0-23"),
        ("0 0 32 * *", "field 3 (day-of-month): 32 is out of range 1-31"),
        ("0 0 0 * *", "field 3 (day-of-month): 0 is out of range 1-31"),
        ("0 0 * 13 *", "field 4 (month): 13 is out of range 1-12"),
        ("0 0 * smarch *", "field 4 (month): 'smarch' is not a number or month name"),
        ("0 0 * * 8", "field 5 (day-of-week): 8 is out of range 0-7"),
        ("0 0 * * funday", "field 5 (day-of-week): 'funday' is not a number or day name"),
        ("x * * * *", "field 1 (minute): 'x' is not a number"),
        ("*/0 * * * *", "field 1 (minute): step '0' must be a whole number of at least 1"),
        ("0 5-2 * * *", "field 2 (hour): range 5-2 runs backwards"),
        ("1,,2 * * * *", "field 1 (minute): empty item in list '1,,2'"),
    ])
    func parseErrorsNameTheField(expression: String, expected: String) {
        #expect(Self.problem(expression) == expected)
    }

    @Test("malformed expressions are explained")
    func malformedExpressions() throws {
        #expect(Self.problem("* * * *") == "expected 5 fields (minute hour day-of-month month day-of-week), got 4")
        #expect(Self.problem("* * * * * *")?.hasPrefix("expected 5 fields") == true)
        #expect(Self.problem("")?.hasPrefix("expected 5 fields") == true)
        #expect(Self.problem("@reboot")?.hasPrefix("unknown macro @reboot; expected one of") == true)
        let error = CronParseError(expression: "0 25 * * *", problem: "field 2 (hour): 25 is out of range 0-23")
        #expect(error.description == "invalid cron expression \"0 25 * * *\": field 2 (hour): 25 is out of range 0-23")
        #expect(try CronSchedule(parsing: "  0\t2 * * *  ").expression == "  0\t2 * * *  ")
    }

    @Test("0 2 * * * runs at the next 02:00")
    func dailyAtTwo() throws {
        let schedule = try CronSchedule(parsing: "0 2 * * *")
        let cases: [(after: Date, expected: Date)] = [
            (utc(2026, 5, 10, 1, 0), utc(2026, 5, 10, 2, 0)),      // earlier the same day
            (utc(2026, 5, 10, 1, 59, 59), utc(2026, 5, 10, 2, 0)),
            (utc(2026, 5, 10, 2, 0), utc(2026, 5, 11, 2, 0)),      // exactly at a run: strictly after
            (utc(2026, 5, 10, 2, 0, 30), utc(2026, 5, 11, 2, 0)),  // inside the run's minute
            (utc(2026, 5, 31, 3, 0), utc(2026, 6, 1, 2, 0)),       // across a month end
            (utc(2026, 12, 31, 23, 59), utc(2027, 1, 1, 2, 0)),    // across a year end
            (utc(2028, 2, 28, 12, 0), utc(2028, 2, 29, 2, 0)),     // into a leap day
        ]
        for (after, expected) in cases {
            #expect(schedule.nextRun(after: after, in: .gmt) == expected, "after \(after)")
        }
    }

    @Test("fields are read on the wall clock of the given time zone")
    func wallClockOfTheTimeZone() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let schedule = try CronSchedule(parsing: "0 2 * * *")
        // 02:00 in Berlin in May (UTC+2) is 00:00 UTC.
        #expect(schedule.nextRun(after: utc(2026, 5, 9, 23, 0), in: berlin) == utc(2026, 5, 10, 0, 0))
        #expect(schedule.nextRun(after: utc(2026, 5, 10, 0, 0), in: berlin) == utc(2026, 5, 11, 0, 0))
        // In January (UTC+1) it is 01:00 UTC.
        #expect(schedule.nextRun(after: utc(2026, 1, 10, 0, 0), in: berlin) == utc(2026, 1, 10, 1, 0))
    }

    @Test("*/15 runs every quarter hour")
    func everyQuarterHour() throws {
        let schedule = try CronSchedule(parsing: "*/15 * * * *")
        #expect(schedule.nextRun(after: utc(2026, 5, 10, 10, 7), in: .gmt) == utc(2026, 5, 10, 10, 15))
        #expect(schedule.nextRun(after: utc(2026, 5, 10, 10, 15), in: .gmt) == utc(2026, 5, 10, 10, 30))
        #expect(schedule.nextRun(after: utc(2026, 5, 10, 10, 45), in: .gmt) == utc(2026, 5, 10, 11, 0))
        #expect(schedule.nextRun(after: utc(2026, 5, 10, 23, 50), in: .gmt) == utc(2026, 5, 11, 0, 0))
        #expect(try Self.runs("10-40/15 9 * * *", after: utc(2026, 5, 10), count: 3)
            == [utc(2026, 5, 10, 9, 10), utc(2026, 5, 10, 9, 25), utc(2026, 5, 10, 9, 40)])
    }

    @Test("weekday and month names")
    func names() throws {
        // 2026-05-15 is a Friday.
        let weekdays = try CronSchedule(parsing: "0 9 * * mon-fri")
        #expect(weekdays.nextRun(after: utc(2026, 5, 15, 10), in: .gmt) == utc(2026, 5, 18, 9))
        #expect(weekdays.nextRun(after: utc(2026, 5, 16, 10), in: .gmt) == utc(2026, 5, 18, 9))
        #expect(weekdays.nextRun(after: utc(2026, 5, 18, 8), in: .gmt) == utc(2026, 5, 18, 9))
        #expect(try Self.runs("0 9 * * MON-FRI", after: utc(2026, 5, 15, 10), count: 5).count == 5)
        // 0, 7 and `sun` all mean Sunday; 2026-05-17 is one.
        for (field, day) in [("sun", 17), ("Sun", 17), ("0", 17), ("7", 17), ("6-7", 16), ("sat,sun", 16)] {
            #expect(try Self.runs("0 0 * * \(field)", after: utc(2026, 5, 11), count: 1) == [utc(2026, 5, day)], "\(field)")
        }
        #expect(try Self.runs("0 0 1 jan,jul *", after: utc(2026, 2, 1), count: 2) == [utc(2026, 7, 1), utc(2027, 1, 1)])
        #expect(try Self.runs("0 0 1 Nov-Dec *", after: utc(2026, 2, 1), count: 2) == [utc(2026, 11, 1), utc(2026, 12, 1)])
    }

    @Test("when both day fields are restricted, either one matching is enough")
    func dayOfMonthOrDayOfWeek() throws {
        // 2026-01-02 is a Friday; the 13th is a Tuesday.
        let either = try Self.runs("0 0 13 * fri", after: utc(2026, 1, 1), count: 6)
        #expect(either == [2, 9, 13, 16, 23, 30].map { utc(2026, 1, $0) })
        // With one of them `*`, the other alone decides.
        #expect(try Self.runs("0 0 13 * *", after: utc(2026, 1, 1), count: 2) == [utc(2026, 1, 13), utc(2026, 2, 13)])
        #expect(try Self.runs("0 0 * * fri", after: utc(2026, 1, 1), count: 2) == [utc(2026, 1, 2), utc(2026, 1, 9)])
        // A field starting with `*` counts as unrestricted (Vixie cron), so here both must match: odd days
        // that are Fridays.
        #expect(try Self.runs("0 0 */2 * fri", after: utc(2026, 1, 1), count: 2) == [utc(2026, 1, 9), utc(2026, 1, 23)])
    }

    @Test("@hourly and the other macros")
    func macros() throws {
        let hourly = try CronSchedule(parsing: "@hourly")
        #expect(hourly.nextRun(after: utc(2026, 5, 10, 10, 30), in: .gmt) == utc(2026, 5, 10, 11, 0))
        #expect(hourly.nextRun(after: utc(2026, 5, 10, 11, 0), in: .gmt) == utc(2026, 5, 10, 12, 0))
        let expected: [String: Date] = [
            "@yearly": utc(2027, 1, 1), "@annually": utc(2027, 1, 1), "@monthly": utc(2026, 6, 1),
            "@weekly": utc(2026, 5, 17), "@daily": utc(2026, 5, 11), "@midnight": utc(2026, 5, 11),
            "@HOURLY": utc(2026, 5, 10, 11),
        ]
        for (macro, date) in expected {
            #expect(try CronSchedule(parsing: macro).nextRun(after: utc(2026, 5, 10, 10, 30), in: .gmt) == date, "\(macro)")
        }
    }

    @Test("February 29th waits for a leap year; February 30th never comes")
    func rareAndImpossibleDays() throws {
        #expect(try Self.runs("0 0 29 2 *", after: utc(2026, 1, 1), count: 2) == [utc(2028, 2, 29), utc(2032, 2, 29)])
        #expect(try CronSchedule(parsing: "0 0 30 2 *").nextRun(after: utc(2026, 1, 1), in: .gmt) == nil)
        #expect(try CronSchedule(parsing: "0 0 31 4,6,9,11 *").nextRun(after: utc(2026, 1, 1), in: .gmt) == nil)
    }

    @Test("daylight-saving changes: skipped times run after the jump, repeated times run once")
    func daylightSaving() throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        // 2026-03-08: 02:00 EST jumps to 03:00 EDT. 02:30 does not exist and runs at 03:30 EDT (07:30 UTC).
        let skipped = try CronSchedule(parsing: "30 2 * * *")
        let jump = try #require(skipped.nextRun(after: utc(2026, 3, 8, 5, 0), in: newYork))
        #expect(jump == utc(2026, 3, 8, 7, 30))
        #expect(skipped.nextRun(after: jump, in: newYork) == utc(2026, 3, 9, 6, 30))
        // 2026-11-01: 02:00 EDT falls back to 01:00 EST. 01:30 happens twice and runs at the first.
        let repeated = try CronSchedule(parsing: "30 1 * * *")
        let first = try #require(repeated.nextRun(after: utc(2026, 11, 1, 4, 0), in: newYork))
        #expect(first == utc(2026, 11, 1, 5, 30))
        #expect(repeated.nextRun(after: first, in: newYork) == utc(2026, 11, 2, 6, 30))
        // From inside the second 01:xx hour, the next 01:30 is the next day's.
        #expect(repeated.nextRun(after: utc(2026, 11, 1, 6, 10), in: newYork) == utc(2026, 11, 2, 6, 30))
    }

    @Test("property: nextRun is the first matching minute strictly after the date")
    func nextRunIsTheFirstMatch() async {
        // Minutes since 1970 of 2026-01-01T00:00Z; start dates spread over six years from there.
        let base = 29_453_760
        let window = 3 * 1440
        await propertyCheck(
            count: 300,
            input: Gen.int(in: 0...999).array(of: 20), Gen.int(in: 0...(6 * 366 * 1440)), Gen.int(in: 0...59)
        ) { seeds, offset, second in
            let expression = SimpleCronExpression(seeds: seeds)
            guard let schedule = try? CronSchedule(parsing: expression.text) else {
                Issue.record("\(expression) did not parse")
                return
            }
            let startMinute = base + offset
            let after = Date(timeIntervalSince1970: Double(startMinute * 60 + second))
            let next = schedule.nextRun(after: after, in: .gmt)
            let firstCandidate = startMinute + 1
            let bruteForce = (firstCandidate..<(firstCandidate + window)).first { expression.matches(minute: $0) }
            if let bruteForce {
                #expect(next == Date(timeIntervalSince1970: Double(bruteForce * 60)), "\(expression) after \(after)")
            } else if let next {
                let seconds = Int(next.timeIntervalSince1970)
                #expect(seconds % 60 == 0, "\(expression) after \(after)")
                #expect(seconds / 60 >= firstCandidate + window, "\(expression) after \(after)")
                #expect(expression.matches(minute: seconds / 60), "\(expression) after \(after) gave \(next)")
            }
            if let next {
                #expect(next > after)
            }
        }
    }
}
