import PropertyBased
import Testing

@testable import BulwarkAuth

@Suite("KeySetRefreshSchedule properties")
struct KeySetRefreshSchedulePropertyTests {
    /// One step of a random timeline: time passes, then the shell's loop ticks, a token names an unknown
    /// kid, or the fetch under way ends (well or badly).
    enum Step: Int, CaseIterable {
        case tick, unknownKey, succeed, fail
    }

    @Test("property: never two unknown-kid fetches within the cooldown; never a scheduled fetch before it is due")
    func timelines() async {
        await propertyCheck(
            count: 300,
            input: Gen.int(in: 1...600).array(of: 1...120), Gen.int(in: 0...3).array(of: 120), Gen.int(in: 1...120)
        ) { advances, kinds, refreshSeconds in
            let refresh = Duration.seconds(refreshSeconds)
            var schedule = KeySetRefreshSchedule(refresh: refresh, now: .zero)
            var now: Duration = .zero
            var earliestScheduled: Duration = .zero   // from the rules, not from the schedule
            var failures = 0
            var lastUnknownFetch: Duration?
            var fetching = false
            for (advance, kind) in zip(advances, kinds) {
                now += .milliseconds(advance * 100)
                switch Step(rawValue: kind)! {
                case .tick:
                    guard schedule.isDue(at: now) else { continue }
                    #expect(!fetching)
                    #expect(now >= earliestScheduled, "a scheduled fetch at \(now) before \(earliestScheduled)")
                    schedule.fetchStarted(at: now)
                    fetching = true
                case .unknownKey:
                    switch schedule.unknownKeySeen(at: now) {
                    case .fetch:
                        #expect(!fetching)
                        if let last = lastUnknownFetch {
                            #expect(now - last >= KeySetRefreshSchedule.unknownKeyCooldown, "unknown-kid fetches at \(last) and \(now)")
                        }
                        lastUnknownFetch = now
                        fetching = true
                    case .join:
                        #expect(fetching)
                    case .coolDown(let until):
                        #expect(until > now)
                    }
                case .succeed, .fail:
                    guard fetching else { continue }
                    fetching = false
                    if kind == Step.succeed.rawValue {
                        schedule.fetchSucceeded(at: now)
                        failures = 0
                        earliestScheduled = now + refresh
                    } else {
                        schedule.fetchFailed(at: now)
                        failures += 1
                        let backoff = min(Duration.seconds(1 << min(failures - 1, 20)), refresh)
                        earliestScheduled = now + backoff
                    }
                    #expect(schedule.nextDue > now && schedule.nextDue <= now + refresh)
                }
            }
        }
    }
}
