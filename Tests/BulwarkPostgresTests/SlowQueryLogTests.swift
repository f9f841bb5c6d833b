@testable import BulwarkPostgres
import Foundation
import PropertyBased
import Testing

@Suite("Slow query log")
struct SlowQueryLogTests {
    static func query(_ number: Int) -> PostgresSlowQuery {
        PostgresSlowQuery(
            durationMS: Double(number), database: "app", user: "web", applicationName: nil,
            statement: "select \(number)", at: Date(timeIntervalSince1970: Double(number)), level: "warning"
        )
    }

    @Test("entries are newest first before the log is full")
    func newestFirst() {
        var log = SlowQueryLog(capacity: 3)
        #expect(log.entries.isEmpty)
        log.append(Self.query(1))
        log.append(Self.query(2))
        #expect(log.entries.map(\.durationMS) == [2, 1])
    }

    @Test("past capacity the oldest are forgotten")
    func keepsTheNewest() {
        var log = SlowQueryLog(capacity: 3)
        for number in 1...5 { log.append(Self.query(number)) }
        #expect(log.entries.map(\.durationMS) == [5, 4, 3])
        #expect(log.count == 3)
        log.append(Self.query(6))
        #expect(log.entries.map(\.durationMS) == [6, 5, 4])
    }

    @Test("the default capacity is 100; capacity 0 keeps nothing")
    func capacities() {
        var log = SlowQueryLog()
        for number in 1...150 { log.append(Self.query(number)) }
        #expect(log.entries.count == 100)
        #expect(log.entries.first?.durationMS == 150)
        #expect(log.entries.last?.durationMS == 51)
        var none = SlowQueryLog(capacity: 0)
        none.append(Self.query(1))
        #expect(none.entries.isEmpty)
    }

    @Test("entries are always the newest `capacity` appended, newest first")
    func matchesTheModel() async {
        await propertyCheck(input: Gen.int(in: 0...8), Gen.int(in: 0...40)) { capacity, appends in
            var log = SlowQueryLog(capacity: capacity)
            for number in 0..<appends { log.append(Self.query(number)) }
            let expected = (0..<appends).suffix(capacity).reversed().map(Double.init)
            #expect(log.entries.map(\.durationMS) == expected)
        }
    }
}
