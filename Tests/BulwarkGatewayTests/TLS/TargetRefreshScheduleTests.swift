@testable import BulwarkGateway
import Testing

/// Each upstream's names are looked up again on its own `resolve_interval`.
@Suite("Target refresh schedule")
struct TargetRefreshScheduleTests {
    final class Upstream {}

    @Test("upstreams fall due on their own intervals, from when they were first seen")
    func ownIntervals() {
        let upstreams = (Upstream(), Upstream())
        let slow = ObjectIdentifier(upstreams.0), fast = ObjectIdentifier(upstreams.1)
        let both: [TargetRefreshSchedule.Upstream] = [.init(id: slow, interval: .seconds(30)), .init(id: fast, interval: .seconds(5))]
        var schedule = TargetRefreshSchedule()
        var tick = schedule.tick(at: .zero, upstreams: both)
        #expect(tick.due.isEmpty)
        #expect(tick.wakeAt == .seconds(1), "never sleeps longer than a second, so reloads are noticed")
        tick = schedule.tick(at: .milliseconds(4_999), upstreams: both)
        #expect(tick.due.isEmpty, "not yet")
        #expect(tick.wakeAt == .seconds(5))
        tick = schedule.tick(at: .seconds(5), upstreams: both)
        #expect(tick.due == [fast], "now")
        tick = schedule.tick(at: .seconds(10), upstreams: both)
        #expect(tick.due == [fast])
        tick = schedule.tick(at: .seconds(30), upstreams: both)
        #expect(Set(tick.due) == [slow, fast])
        withExtendedLifetime(upstreams) {}
    }

    @Test("an upstream a reload adds is first due one interval after it appears; one that leaves is forgotten")
    func reloads() {
        let upstreams = (Upstream(), Upstream())
        let first = ObjectIdentifier(upstreams.0), added = ObjectIdentifier(upstreams.1)
        var schedule = TargetRefreshSchedule()
        _ = schedule.tick(at: .zero, upstreams: [.init(id: first, interval: .seconds(2))])
        var tick = schedule.tick(at: .seconds(12), upstreams: [.init(id: added, interval: .seconds(5))])
        #expect(tick.due.isEmpty)
        tick = schedule.tick(at: .seconds(17), upstreams: [.init(id: added, interval: .seconds(5))])
        #expect(tick.due == [added])
        withExtendedLifetime(upstreams) {}
    }
}
