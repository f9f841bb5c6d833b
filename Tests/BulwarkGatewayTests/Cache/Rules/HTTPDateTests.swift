@testable import BulwarkGateway
import PropertyBased
import Testing

@Suite("HTTP-date (RFC 9110 §5.6.7)", .timeLimit(.minutes(1)))
struct HTTPDateTests {
    static let example: Int64 = 784_111_777   // Sun, 06 Nov 1994 08:49:37 GMT

    @Test("§5.6.7: the three forms of the RFC's example give the same second")
    func threeForms() {
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == Self.example)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == Self.example)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == Self.example)
        #expect(HTTPDate.parse("  Sun, 06 Nov 1994 08:49:37 GMT ") == Self.example)
    }

    @Test("§5.6.7: format is IMF-fixdate")
    func format() {
        #expect(HTTPDate.format(Self.example) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
    }

    @Test("invalid dates are rejected", arguments: [
        "", "0", "-1", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 29 Feb 1900 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT trailing", "Sunday, 06 Nov 1994 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
    ])
    func invalid(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test("§5.6.7: an RFC 850 year more than 50 years ahead means the previous century")
    func twoDigitYears() {
        let now2026 = HTTPDate.parse("Mon, 30 Nov 2026 00:00:00 GMT")!
        #expect(HTTPDate.parse("Monday, 01-Jan-76 00:00:00 GMT", now: now2026) == HTTPDate.parse("Thu, 01 Jan 2076 00:00:00 GMT"))
        #expect(HTTPDate.parse("Monday, 01-Jan-77 00:00:00 GMT", now: now2026) == HTTPDate.parse("Sat, 01 Jan 1977 00:00:00 GMT"))
        #expect(HTTPDate.parse("Monday, 01-Jan-69 00:00:00 GMT") == HTTPDate.parse("Tue, 01 Jan 2069 00:00:00 GMT"))
        #expect(HTTPDate.parse("Monday, 01-Jan-70 00:00:00 GMT") == 0)
    }

    @Test("property: format then parse returns the same second, 1970–2100")
    func roundTrip() async {
        let end = HTTPDate.parse("Fri, 31 Dec 2100 23:59:59 GMT")!
        await propertyCheck(count: 500, input: Gen.int64(in: 0...end)) { seconds in
            #expect(HTTPDate.parse(HTTPDate.format(seconds)) == seconds)
        }
    }
}
