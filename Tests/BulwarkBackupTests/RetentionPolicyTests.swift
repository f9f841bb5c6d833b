import BulwarkBackup
import Foundation
import PropertyBased
import Testing

/// Gregorian in UTC, as callers pass it.
private let utcCalendar: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = .gmt
    return calendar
}()

/// The UTC instant of `yyyy-MM-dd`, at `hour`:00.
private func day(_ text: String, hour: Int = 3) -> Date {
    let parts = text.split(separator: "-").compactMap { Int($0) }
    guard parts.count == 3,
          let date = utcCalendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: hour))
    else { preconditionFailure("bad test date \(text)") }
    return date
}

/// `yyyy-MM-dd` of a UTC instant.
private func label(_ date: Date) -> String {
    let parts = utcCalendar.dateComponents([.year, .month, .day], from: date)
    func two(_ value: Int?) -> String { (value ?? 0) < 10 ? "0\(value ?? 0)" : "\(value ?? 0)" }
    return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day))"
}

@Suite("Retention", .timeLimit(.minutes(1)))
struct RetentionPolicyTests {
    @Test("a small hand-checked case: every rule, reasons merged, newest verified, a same-day loser")
    func handChecked() {
        let a = RetentionCandidate(id: "a", createdAt: day("2026-06-14", hour: 10), verified: false) // Sunday, W24
        let b = RetentionCandidate(id: "b", createdAt: day("2026-06-14", hour: 3), verified: false)  // same day, older
        let c = RetentionCandidate(id: "c", createdAt: day("2026-06-13"), verified: false)           // Saturday, W24
        let d = RetentionCandidate(id: "d", createdAt: day("2026-06-07"), verified: false)           // Sunday, W23
        let e = RetentionCandidate(id: "e", createdAt: day("2026-05-20"), verified: false)           // May, W21
        let f = RetentionCandidate(id: "f", createdAt: day("2025-12-01"), verified: true)
        let policy = RetentionPolicy(daily: 2, weekly: 2, monthly: 2, yearly: 1)
        let plan = policy.plan(for: [e, b, f, a, d, c], calendar: utcCalendar)
        #expect(plan.keep == [
            .init(candidate: a, reasons: ["daily 2026-06-14", "weekly 2026-W24", "monthly 2026-06", "yearly 2026"]),
            .init(candidate: c, reasons: ["daily 2026-06-13"]),
            .init(candidate: d, reasons: ["weekly 2026-W23"]),
            .init(candidate: e, reasons: ["monthly 2026-05"]),
            .init(candidate: f, reasons: ["newest verified"]),
        ])
        #expect(plan.delete == [b])
    }

    @Test("two years of daily backups under the default policy")
    func twoYearsOfDailyBackups() throws {
        let start = day("2024-06-15")
        let backups = (0..<730).map { index in
            let date = start.addingTimeInterval(Double(index) * 86_400)
            return RetentionCandidate(id: label(date), createdAt: date, verified: true)
        }
        let plan = RetentionPolicy().plan(for: backups.shuffled(), calendar: utcCalendar)
        // The newest backup is 2026-06-14, a Sunday (the end of ISO week 24).
        let expected = [
            // daily: the last 7 days
            "2026-06-14", "2026-06-13", "2026-06-12", "2026-06-11", "2026-06-10", "2026-06-09", "2026-06-08",
            // weekly adds the Sundays of weeks 23, 22 and 21 (week 24's is 06-14)
            "2026-06-07", "2026-05-31", "2026-05-24",
            // monthly adds month ends back to July 2025 (June's newest is 06-14, May's is 05-31)
            "2026-04-30", "2026-03-31", "2026-02-28", "2026-01-31", "2025-12-31", "2025-11-30", "2025-10-31",
            "2025-09-30", "2025-08-31", "2025-07-31",
            // yearly adds 2024 (2026's is 06-14, 2025's is 12-31); only three years have backups
            "2024-12-31",
        ]
        #expect(plan.keep.map(\.candidate.id) == expected.sorted(by: >))
        #expect(plan.keep.count == 21)
        #expect(plan.delete.count == 730 - 21)

        let reasons = Dictionary(uniqueKeysWithValues: plan.keep.map { ($0.candidate.id, $0.reasons) })
        #expect(reasons["2026-06-14"] == ["daily 2026-06-14", "weekly 2026-W24", "monthly 2026-06", "yearly 2026", "newest verified"])
        #expect(reasons["2026-05-31"] == ["weekly 2026-W22", "monthly 2026-05"])
        #expect(reasons["2025-12-31"] == ["monthly 2025-12", "yearly 2025"])
        #expect(reasons["2024-12-31"] == ["yearly 2024"])
        for rule in ["daily", "weekly", "monthly", "yearly"] {
            let count = plan.keep.filter { $0.reasons.contains { $0.hasPrefix(rule + " ") } }.count
            #expect(count == ["daily": 7, "weekly": 4, "monthly": 12, "yearly": 3][rule], "\(rule)")
        }
        // The newest backup of each of the last 12 months is kept.
        let monthEnds = ["2026-06-14", "2026-05-31", "2026-04-30", "2026-03-31", "2026-02-28", "2026-01-31",
                         "2025-12-31", "2025-11-30", "2025-10-31", "2025-09-30", "2025-08-31", "2025-07-31"]
        for id in monthEnds {
            #expect(reasons[id]?.contains { $0.hasPrefix("monthly ") } == true, "\(id)")
        }
        #expect(reasons["2025-06-30"] == nil)
    }

    @Test("weeks are ISO weeks, whose year may differ from the calendar year")
    func isoWeeks() {
        let policy = RetentionPolicy(daily: 0, weekly: 3, monthly: 0, yearly: 0)
        let backups = [
            RetentionCandidate(id: "fri", createdAt: day("2027-01-01"), verified: false),   // 2026 has 53 weeks
            RetentionCandidate(id: "mon", createdAt: day("2024-12-30"), verified: false),   // already 2025's week 1
            RetentionCandidate(id: "sun", createdAt: day("2024-12-29"), verified: false),
        ]
        let plan = policy.plan(for: backups, calendar: utcCalendar)
        #expect(plan.keep.map(\.reasons) == [["weekly 2026-W53"], ["weekly 2025-W01"], ["weekly 2024-W52"]])
    }

    @Test("the newest verified backup is kept however old it is")
    func newestVerifiedIsKept() {
        // 400 unverified daily backups up to 2026-06-14 fill the daily, weekly and monthly rules, then one
        // backup each March from 2018 to 2024, of which only 2018 and 2019 were verified.
        var backups = (0..<400).map { index in
            RetentionCandidate(id: "recent-\(index)", createdAt: day("2026-06-14").addingTimeInterval(-Double(index) * 86_400), verified: false)
        }
        for year in 2018...2024 {
            backups.append(RetentionCandidate(id: "year-\(year)", createdAt: day("\(year)-03-01"), verified: year <= 2019))
        }
        let plan = RetentionPolicy().plan(for: backups, calendar: utcCalendar)
        let kept = Dictionary(uniqueKeysWithValues: plan.keep.map { ($0.candidate.id, $0.reasons) })
        // Yearly covers 2026 back to 2022; 2019 stays only because it is the newest verified backup.
        #expect(kept["year-2024"] == ["yearly 2024"])
        #expect(kept["year-2022"] == ["yearly 2022"])
        #expect(kept["year-2019"] == ["newest verified"])
        #expect(Set(plan.delete.map(\.id)).isSuperset(of: ["year-2018", "year-2020", "year-2021"]))
        #expect(plan.keep.count == 7 + 3 + 10 + 3 + 1)   // daily, new weekly, new monthly, new yearly, verified
    }

    @Test("a policy of all zeros (or below) keeps only the newest verified backup")
    func zeros() {
        let backups = [
            RetentionCandidate(id: "new", createdAt: day("2026-06-14"), verified: false),
            RetentionCandidate(id: "good", createdAt: day("2026-06-10"), verified: true),
            RetentionCandidate(id: "older-good", createdAt: day("2026-06-01"), verified: true),
        ]
        for policy in [RetentionPolicy(daily: 0, weekly: 0, monthly: 0, yearly: 0), RetentionPolicy(daily: -3, weekly: -1, monthly: -1, yearly: -7)] {
            let plan = policy.plan(for: backups, calendar: utcCalendar)
            #expect(plan.keep == [.init(candidate: backups[1], reasons: ["newest verified"])])
            #expect(plan.delete.map(\.id) == ["new", "older-good"])
        }
        let unverified = backups.map { RetentionCandidate(id: $0.id, createdAt: $0.createdAt, verified: false) }
        #expect(RetentionPolicy(daily: 0, weekly: 0, monthly: 0, yearly: 0).plan(for: unverified, calendar: utcCalendar).keep.isEmpty)
        #expect(RetentionPolicy().plan(for: [], calendar: utcCalendar) == RetentionPlan(keep: [], delete: []))
    }

    // MARK: - Properties

    /// 2026-01-01T00:00:00Z; random backups are taken up to three years before it.
    static let end = Date(timeIntervalSince1970: 1_767_225_600)

    /// Backups at `quarterHours` quarter hours before ``end``, verified where `verified` says so.
    static func backups(_ quarterHours: [Int], _ verified: [Bool]) -> [RetentionCandidate] {
        quarterHours.enumerated().map { index, offset in
            RetentionCandidate(id: "b\(index)", createdAt: end.addingTimeInterval(-Double(offset) * 900), verified: verified[index])
        }
    }

    static let offsets = Gen.int(in: 0...(3 * 365 * 96)).array(of: 0...60)
    static let flags = Gen.bool.array(of: 60)
    static let counts = Gen.int(in: -1...6).array(of: 4)

    @Test("property: keep and delete split the input, each newest first")
    func partition() async {
        await propertyCheck(input: Self.offsets, Self.flags, Self.counts) { offsets, flags, counts in
            let input = Self.backups(offsets, flags)
            let plan = RetentionPolicy(daily: counts[0], weekly: counts[1], monthly: counts[2], yearly: counts[3])
                .plan(for: input, calendar: utcCalendar)
            let kept = plan.keep.map(\.candidate)
            #expect(kept.count + plan.delete.count == input.count)
            #expect(Set(kept.map(\.id)).isDisjoint(with: plan.delete.map(\.id)))
            #expect(Set(kept.map(\.id)).union(plan.delete.map(\.id)) == Set(input.map(\.id)))
            for list in [kept, plan.delete] {
                #expect(zip(list, list.dropFirst()).allSatisfy { $0.createdAt >= $1.createdAt })
            }
            #expect(plan.keep.allSatisfy { !$0.reasons.isEmpty })
        }
    }

    @Test("property: the newest backup is kept whenever any count is at least 1")
    func newestIsKept() async {
        await propertyCheck(input: Self.offsets, Self.flags, Self.counts) { offsets, flags, counts in
            let input = Self.backups(offsets, flags)
            let plan = RetentionPolicy(daily: counts[0], weekly: counts[1], monthly: counts[2], yearly: counts[3])
                .plan(for: input, calendar: utcCalendar)
            guard counts.contains(where: { $0 >= 1 }), let newest = input.map(\.createdAt).max() else { return }
            #expect(plan.keep.first?.candidate.createdAt == newest)
        }
    }

    @Test("property: no more are kept than the counts allow, plus the newest verified")
    func boundedKeep() async {
        await propertyCheck(input: Self.offsets, Self.flags, Self.counts) { offsets, flags, counts in
            let input = Self.backups(offsets, flags)
            let plan = RetentionPolicy(daily: counts[0], weekly: counts[1], monthly: counts[2], yearly: counts[3])
                .plan(for: input, calendar: utcCalendar)
            #expect(plan.keep.count <= counts.map { max(0, $0) }.reduce(0, +) + 1)
            if let newestVerified = input.filter(\.verified).max(by: { $0.createdAt < $1.createdAt }) {
                #expect(plan.keep.contains { $0.candidate.createdAt == newestVerified.createdAt && $0.candidate.verified })
            }
        }
    }

    @Test("property: planning again on the kept backups keeps all of them, for the same reasons")
    func idempotent() async {
        await propertyCheck(input: Self.offsets, Self.flags, Self.counts) { offsets, flags, counts in
            let policy = RetentionPolicy(daily: counts[0], weekly: counts[1], monthly: counts[2], yearly: counts[3])
            let first = policy.plan(for: Self.backups(offsets, flags), calendar: utcCalendar)
            let second = policy.plan(for: first.keep.map(\.candidate), calendar: utcCalendar)
            #expect(second.delete.isEmpty)
            #expect(second.keep == first.keep)
        }
    }
}
