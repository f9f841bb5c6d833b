/// The byte-level reader behind ``HTTPDate/parse(_:now:)``: one method per date form.
///
/// Each form method starts from the beginning and requires the whole input (after trimming spaces) to match.
struct HTTPDateScanner {
    private let bytes: ArraySlice<UInt8>
    private var index: Int

    /// Reads `bytes`, trimming leading and trailing spaces and tabs.
    init(_ bytes: [UInt8]) {
        var slice = bytes[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        self.bytes = slice
        self.index = slice.startIndex
    }

    /// `day-name "," SP 2DIGIT SP month SP 4DIGIT SP hh:mm:ss SP "GMT"`.
    mutating func imfFixdate() -> Int64? {
        index = bytes.startIndex
        guard word(in: HTTPDate.shortDays) != nil, literal(", "), let day = digits(2), literal(" "),
              let month = word(in: HTTPDate.months), literal(" "), let year = digits(4), literal(" "),
              let time = timeOfDay(), literal(" GMT"), atEnd
        else { return nil }
        return Self.seconds(year: year, month: month + 1, day: day, time: time)
    }

    /// `day-name-l "," SP 2DIGIT "-" month "-" 2DIGIT SP hh:mm:ss SP "GMT"`.
    mutating func rfc850(now: Int64?) -> Int64? {
        index = bytes.startIndex
        guard word(in: HTTPDate.longDays) != nil, literal(", "), let day = digits(2), literal("-"),
              let month = word(in: HTTPDate.months), literal("-"), let shortYear = digits(2), literal(" "),
              let time = timeOfDay(), literal(" GMT"), atEnd
        else { return nil }
        return Self.seconds(year: Self.fullYear(shortYear, now: now), month: month + 1, day: day, time: time)
    }

    /// `day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP hh:mm:ss SP 4DIGIT`.
    mutating func asctime() -> Int64? {
        index = bytes.startIndex
        guard word(in: HTTPDate.shortDays) != nil, literal(" "), let month = word(in: HTTPDate.months), literal(" ")
        else { return nil }
        let day = literal(" ") ? digits(1) : digits(2)
        guard let day, literal(" "), let time = timeOfDay(), literal(" "), let year = digits(4), atEnd else { return nil }
        return Self.seconds(year: year, month: month + 1, day: day, time: time)
    }

    /// The four-digit year of a two-digit RFC 850 year (RFC 9110 §5.6.7).
    static func fullYear(_ shortYear: Int, now: Int64?) -> Int {
        guard let now else { return shortYear < 70 ? 2000 + shortYear : 1900 + shortYear }
        let currentYear = CivilCalendar.date(fromDays: now.floorDivided(by: 86_400)).year
        var year = currentYear - currentYear % 100 + shortYear
        if year > currentYear + 50 { year -= 100 }
        if year <= currentYear - 50 { year += 100 }
        return year
    }

    /// Seconds since the epoch of a date and a time of day; `nil` when the day does not exist in that month.
    private static func seconds(year: Int, month: Int, day: Int, time: Int64) -> Int64? {
        guard day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month) else { return nil }
        return CivilCalendar.days(year: year, month: month, day: day) * 86_400 + time
    }

    /// Whether the whole input has been read.
    private var atEnd: Bool { index == bytes.endIndex }

    /// `hh:mm:ss` as seconds of the day; hour 00–23, minute 00–59, second 00–60 (a leap second rolls over).
    private mutating func timeOfDay() -> Int64? {
        guard let hour = digits(2), literal(":"), let minute = digits(2), literal(":"), let second = digits(2),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        return Int64(hour * 3600 + minute * 60 + second)
    }

    /// Reads exactly `count` ASCII digits as a number.
    private mutating func digits(_ count: Int) -> Int? {
        guard bytes.endIndex - index >= count else { return nil }
        var value = 0
        for byte in bytes[index..<index + count] {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        index += count
        return value
    }

    /// Consumes `text` if it is next, byte for byte.
    private mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard bytes.endIndex - index >= count else { return false }
        let expected = UnsafeBufferPointer(start: text.utf8Start, count: count)
        guard bytes[index..<index + count].elementsEqual(expected) else { return false }
        index += count
        return true
    }

    /// Matches the longest of `words` at the cursor; returns its index.
    private mutating func word(in words: [String]) -> Int? {
        var best: (offset: Int, length: Int)?
        for (offset, word) in words.enumerated() {
            let length = word.utf8.count
            if bytes.endIndex - index >= length, bytes[index..<index + length].elementsEqual(word.utf8),
               length > (best?.length ?? 0) {
                best = (offset, length)
            }
        }
        guard let best else { return nil }
        index += best.length
        return best.offset
    }
}
