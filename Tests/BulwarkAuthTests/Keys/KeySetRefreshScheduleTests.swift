import Testing

@testable import BulwarkAuth

@Suite("KeySetRefreshSchedule")
struct KeySetRefreshScheduleTests {
    let refresh: Duration = .seconds(60)

    @Test("the first fetch is due at once; the next one refresh after a success, not a moment sooner")
    func interval() {
        var schedule = KeySetRefreshSchedule(refresh: refresh, now: .seconds(5))
        #expect(!schedule.isDue(at: .seconds(4)))
        #expect(schedule.isDue(at: .seconds(5)))
        schedule.fetchStarted(at: .seconds(5))
        #expect(!schedule.isDue(at: .seconds(500)), "nothing starts while a fetch is under way")
        schedule.fetchSucceeded(at: .seconds(6))
        #expect(schedule.nextDue == .seconds(66))
        #expect(!schedule.isDue(at: .seconds(66) - .milliseconds(1)))
        #expect(schedule.isDue(at: .seconds(66)))
    }

    @Test("failures retry after 1 s, doubling, capped at the refresh interval; a success resets the backoff")
    func backoff() {
        var schedule = KeySetRefreshSchedule(refresh: refresh, now: .zero)
        var now: Duration = .zero
        var delays: [Duration] = []
        for _ in 0..<9 {
            #expect(schedule.isDue(at: now))
            schedule.fetchStarted(at: now)
            schedule.fetchFailed(at: now)
            delays.append(schedule.nextDue - now)
            #expect(!schedule.isDue(at: schedule.nextDue - .milliseconds(1)))
            now = schedule.nextDue
        }
        #expect(delays == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
        schedule.fetchStarted(at: now)
        schedule.fetchSucceeded(at: now)
        #expect(schedule.failuresInARow == 0)
        schedule.fetchStarted(at: now + refresh)
        schedule.fetchFailed(at: now + refresh)
        #expect(schedule.nextDue == now + refresh + .seconds(1))
    }

    @Test("retryDelay follows its table")
    func retryDelayTable() {
        let long: Duration = .seconds(300)
        #expect(KeySetRefreshSchedule.retryDelay(afterFailures: 1, refresh: long) == .seconds(1))
        #expect(KeySetRefreshSchedule.retryDelay(afterFailures: 2, refresh: long) == .seconds(2))
        #expect(KeySetRefreshSchedule.retryDelay(afterFailures: 4, refresh: long) == .seconds(8))
        #expect(KeySetRefreshSchedule.retryDelay(afterFailures: 10, refresh: long) == .seconds(300))
        #expect(KeySetRefreshSchedule.retryDelay(afterFailures: 4, refresh: .seconds(5)) == .seconds(5))
        #expect(KeySetRefreshSchedule.retryDelay(afterFailures: 10_000, refresh: long) == .seconds(300))
    }

    @Test("an unknown kid fetches, joins a fetch under way, then waits out the 10 s cooldown")
    func unknownKeyCooldown() {
        var schedule = KeySetRefreshSchedule(refresh: refresh, now: .zero)
        schedule.fetchStarted(at: .zero)
        schedule.fetchSucceeded(at: .zero)
        #expect(schedule.unknownKeySeen(at: .seconds(20)) == .fetch)
        #expect(schedule.unknownKeySeen(at: .seconds(20)) == .join)
        schedule.fetchSucceeded(at: .seconds(21))
        #expect(schedule.unknownKeySeen(at: .seconds(21)) == .coolDown(until: .seconds(30)))
        #expect(schedule.unknownKeySeen(at: .seconds(30) - .milliseconds(1)) == .coolDown(until: .seconds(30)))
        #expect(schedule.unknownKeySeen(at: .seconds(30)) == .fetch)
        schedule.fetchFailed(at: .seconds(31))
        #expect(schedule.unknownKeySeen(at: .seconds(35)) == .coolDown(until: .seconds(40)), "a failed fetch still counts")
    }

    @Test("stale when never loaded, or last loaded more than twice the refresh interval ago")
    func staleness() {
        var schedule = KeySetRefreshSchedule(refresh: refresh, now: .zero)
        #expect(schedule.isStale(at: .zero))
        schedule.fetchStarted(at: .zero)
        schedule.fetchFailed(at: .zero)
        #expect(schedule.isStale(at: .seconds(1)))
        schedule.fetchStarted(at: .seconds(1))
        schedule.fetchSucceeded(at: .seconds(1))
        #expect(!schedule.isStale(at: .seconds(1)))
        schedule.fetchStarted(at: .seconds(61))
        schedule.fetchFailed(at: .seconds(61))
        #expect(!schedule.isStale(at: .seconds(121)), "exactly 2 × refresh is not yet stale")
        #expect(schedule.isStale(at: .seconds(121) + .milliseconds(1)))
        schedule.fetchStarted(at: .seconds(200))
        schedule.fetchSucceeded(at: .seconds(200))
        #expect(!schedule.isStale(at: .seconds(200)))
    }

    @Test("an abandoned fetch frees the schedule without moving its due time")
    func abandoned() {
        var schedule = KeySetRefreshSchedule(refresh: refresh, now: .seconds(3))
        schedule.fetchStarted(at: .seconds(3))
        #expect(!schedule.isDue(at: .seconds(3)))
        schedule.fetchAbandoned()
        #expect(schedule.isDue(at: .seconds(3)))
        #expect(schedule.unknownKeySeen(at: .seconds(3)) == .fetch)
    }
}
