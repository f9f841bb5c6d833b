/// When each upstream's target names are looked up again: every `upstreams.NAME.resolve_interval`,
/// counted from when the upstream was first seen. A pure value; ``TargetAddressRefresher`` sleeps and
/// resolves. Time is the loop's elapsed time, so tests step it by hand.
///
/// With upstreams `a` (30 s) and `b` (5 s) from the start: `b` is due at 5, 10, 15 s…, `a` at 30 s;
/// an upstream a reload adds at 12 s with 5 s is first due at 17 s.
struct TargetRefreshSchedule {
    /// An upstream in force: who it is and its interval.
    struct Upstream {
        var id: ObjectIdentifier
        var interval: Duration
    }

    /// The longest sleep, so upstreams a reload adds are picked up within a second.
    static let longestWait = Duration.seconds(1)

    private var nextDue: [ObjectIdentifier: Duration] = [:]

    /// Records the upstreams in force at `now`; returns those due for a lookup now and when to look
    /// again. Upstreams no longer in force are forgotten.
    mutating func tick(at now: Duration, upstreams: [Upstream]) -> (due: [ObjectIdentifier], wakeAt: Duration) {
        var next: [ObjectIdentifier: Duration] = [:]
        var due: [ObjectIdentifier] = []
        for upstream in upstreams {
            let interval = max(upstream.interval, .milliseconds(1))
            if let at = nextDue[upstream.id], at <= now {
                due.append(upstream.id)
                next[upstream.id] = now + interval
            } else {
                next[upstream.id] = nextDue[upstream.id] ?? now + interval
            }
        }
        nextDue = next
        let wakeAt = min(next.values.min() ?? now + Self.longestWait, now + Self.longestWait)
        return (due, wakeAt)
    }
}
