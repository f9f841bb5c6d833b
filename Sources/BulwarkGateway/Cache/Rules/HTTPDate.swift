/// HTTP-date (RFC 9110 §5.6.7) as whole seconds since the Unix epoch, UTC.
///
/// Hand-written for speed and locale independence (no `DateFormatter`). Parses the three forms a recipient must
/// accept and formats the one a sender must generate:
///
/// | Form | Example |
/// | --- | --- |
/// | IMF-fixdate | `Sun, 06 Nov 1994 08:49:37 GMT` |
/// | obsolete RFC 850 | `Sunday, 06-Nov-94 08:49:37 GMT` |
/// | obsolete asctime | `Sun Nov  6 08:49:37 1994` |
///
/// Names are matched case-sensitively (the grammar uses `%s`); the day name is checked for spelling but not
/// against the date, as recipients are asked to be lenient.
enum HTTPDate {
    /// Three-letter month names, January first.
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    /// Three-letter day names, Monday first.
    static let shortDays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    /// Full day names of the RFC 850 form, Monday first.
    static let longDays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// Parses any of the three forms; `nil` when the text is none of them or names an impossible date.
    ///
    /// - Parameters:
    ///   - text: the field value; surrounding spaces are ignored.
    ///   - now: seconds since the epoch, used only for the two-digit year of the RFC 850 form: a year more than
    ///     50 years in the future means the most recent past year with those digits (§5.6.7). Without it,
    ///     00–69 mean 2000–2069 and 70–99 mean 1970–1999.
    static func parse(_ text: String, now: Int64? = nil) -> Int64? {
        var scanner = HTTPDateScanner(Array(text.utf8))
        return scanner.imfFixdate() ?? scanner.rfc850(now: now) ?? scanner.asctime()
    }

    /// Formats `seconds` since the epoch as IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func format(_ seconds: Int64) -> String {
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = CivilCalendar.date(fromDays: days)
        let weekday = Int((days + 3).floorModulo(7))   // 1970-01-01 was a Thursday (index 3 from Monday).
        let yearText = String(year)
        return "\(shortDays[weekday]), \(twoDigits(day)) \(months[month - 1]) "
            + String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
            + " \(twoDigits(Int(secondOfDay / 3600))):\(twoDigits(Int(secondOfDay / 60 % 60))):\(twoDigits(Int(secondOfDay % 60))) GMT"
    }

    /// `value` (0...99) with a leading zero when below 10.
    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : String(value)
    }
}
