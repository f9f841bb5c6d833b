@testable import BulwarkBench
import PropertyBased
import Testing

/// The open model's schedule: exact counts per stage, sends in order, ramps that speed up.
struct RateScheduleTests {
    @Test("a constant stage holds rate × duration sends, evenly spaced")
    func constant() throws {
        let schedule = RateSchedule(stages: [.init(duration: 10, rateFrom: 100, rateTo: 100)])
        #expect(schedule.totalSends == 1000)
        #expect(try #require(schedule.time(ofSend: 0)) == 0)
        #expect(abs(try #require(schedule.time(ofSend: 500)) - 5) < 1e-9)
        #expect(schedule.time(ofSend: 1000) == nil)
    }

    @Test("a ramp from 0 to 200 over 10 s holds 1000 sends, a quarter of them in the first half")
    func ramp() throws {
        let schedule = RateSchedule(stages: [.init(duration: 10, rateFrom: 0, rateTo: 200)])
        #expect(schedule.totalSends == 1000)
        #expect(abs(try #require(schedule.time(ofSend: 250)) - 5) < 1e-6)
        #expect(abs(schedule.rate(at: 5) - 100) < 1e-9)
    }

    @Test("stages follow each other: the issue's load → stress → soak plan")
    func stages() throws {
        let schedule = RateSchedule(stages: [
            .init(duration: 30, rateFrom: 1000, rateTo: 10000), .init(duration: 120, rateFrom: 10000, rateTo: 10000),
            .init(duration: 1800, rateFrom: 5000, rateTo: 5000),
        ])
        #expect(schedule.duration == 1950)
        #expect(schedule.totalSends == 165_000 + 1_200_000 + 9_000_000)
        let firstOfSoak = try #require(schedule.time(ofSend: 165_000 + 1_200_000))
        #expect(abs(firstOfSoak - 150) < 1e-6)
        #expect(schedule.stageIndex(at: 149.9) == 1)
        #expect(schedule.stageIndex(at: 150) == 2)
        #expect(abs(schedule.sends(from: 30, to: 31) - 10000) < 1e-6)
    }

    @Test("send times never go backwards, stay inside the schedule, and each stage holds its integral (property)")
    func monotonic() async {
        await propertyCheck(count: 200, input: Gen.int(in: 1...20).array(of: 1...4), Gen.int(in: 0...300).array(of: 8)) { durations, rates in
            let stages = durations.enumerated().map { index, duration in
                RateSchedule.Stage(duration: Double(duration), rateFrom: Double(rates[index * 2 % 8]), rateTo: Double(rates[(index * 2 + 1) % 8]))
            }
            let schedule = RateSchedule(stages: stages)
            var previous = -1.0
            var count = 0
            while let time = schedule.time(ofSend: count) {
                #expect(time >= previous - 1e-9)
                #expect(time >= 0 && time <= schedule.duration + 1e-9)
                previous = time
                count += 1
                if count > 200_000 { break }
            }
            let expected = stages.reduce(0.0) { $0 + ($1.rateFrom + $1.rateTo) / 2 * $1.duration }
            #expect(abs(Double(count) - expected) <= 1)
        }
    }

    @Test("loops interleave: loop i of n sends the schedule's sends i, i+n, …, so together they send each exactly once")
    func interleaving() {
        let schedule = RateSchedule(stages: [.init(duration: 3, rateFrom: 7, rateTo: 13)])
        let loops = 3
        var all: [Double] = []
        for loop in 0..<loops {
            var k = 0
            while let time = schedule.time(ofSend: k * loops + loop) {
                all.append(time)
                k += 1
            }
        }
        #expect(all.count == schedule.totalSends)
        #expect(Set(all).count == all.count)
    }
}
