import BulwarkConfig

/// Every decision about one process group's instances, as a pure value: events and the time in,
/// actions out. No clock, no processes, no I/O; ``ProcessSupervisor`` is the shell that does them.
///
/// Each slot (0 ‥ `instances` − 1) owns two ports, `port_base + slot` and the spare
/// `port_base + instances + slot`. An instance goes through these states:
///
/// ```
///  spawn ──▶ starting ──spawned──▶ running ──becameReady──▶ ready (in the pool)
///               │                     │                        │
///               └──── exited, spawnFailed, ready timeout ──────┤ crash: out of the pool first
///                                                              ▼
///                 waiting to restart (backoff) ──due──▶ spawn on the crashed instance's port
///                                                       (the other one while a killed process holds it)
///                 given up (more than max_restarts within restart.window)
///
///  replaced (rolling or memory restart) or stopped ──▶ stopping ──exited──▶ gone
///                                       stop timeout ──▶ kill, once
/// ```
///
/// - A crash restarts the slot after `backoff_min × 2ⁿ⁻¹` (at most `backoff_max`), n counting the
///   slot's failures since it was last ready. More than `max_restarts` failures within
///   `restart.window` give the slot up (``Report/crashLoop(slot:restarts:lastReason:)``) until a
///   restart request or a reconfiguration.
/// - A replacement (``Event/restartRequested(_:)``, a reconfiguration, memory above `max_memory` for
///   `memory_grace`) starts on the slot's other port; once ready it joins the pool, the old instance
///   leaves it and is stopped. A rolling restart replaces one slot at a time. A replacement that
///   fails counts as a crash of the slot and is retried after the backoff while the old instance serves.
/// - A slot never has more than two live processes, and two live processes never share a port.
/// - After ``Event/stopRequested`` nothing starts again.
///
/// Wake-ups: when its earliest deadline (a ready timeout, a restart or retry time, a stop timeout)
/// changes, a call returns one ``Action/wake(at:)`` with it; the shell may keep only the latest one,
/// and a ``Event/tick`` that comes early does no harm. Due work is done on every event, not only on ticks.
///
/// ```swift
/// var machine = ProcessGroupMachine(settings: settings)
/// for action in machine.handle(.start, now: clock.now.offset) { perform(action) }
/// ```
public struct ProcessGroupMachine: Sendable {
    /// The group's settings in force.
    public internal(set) var settings: ProcessGroupSettings
    var lifecycle: Lifecycle = .idle
    var slots: [Slot] = []
    /// Instances on their way out (replaced, timed out, removed, shut down), of any slot.
    var retiring: [InstanceRecord] = []
    var rollout: Rollout?
    var lastSerial = 0
    /// The last deadline returned as a wake-up.
    var requestedWake: Duration?

    /// Where the group is in its life.
    enum Lifecycle: Sendable, Hashable {
        /// Before ``Event/start``.
        case idle
        case running
        /// After ``Event/stopRequested``: nothing starts again.
        case stopping
    }

    /// A machine for `settings`, with nothing started.
    public init(settings: ProcessGroupSettings) {
        self.settings = settings
    }

    /// True once a stop was requested and every process has exited.
    public var isStopped: Bool {
        lifecycle == .stopping && retiring.isEmpty && slots.allSatisfy { $0.activeInstances.isEmpty }
    }

    /// Why a rolling restart is under way, or nil when none is.
    public var rollingRestartReason: RestartReason? { rollout?.reason }

    /// Handles `event` at monotonic time `now`; returns what to do, in order.
    ///
    /// Whatever the event, the work that is due by `now` is done too (restarts, retries, ready and stop
    /// timeouts, the next step of a rolling restart), and the last action is a ``Action/wake(at:)`` when
    /// the earliest deadline changed.
    public mutating func handle(_ event: Event, now: Duration) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .start:
            start(now: now)
        case .spawned(let id, let pid):
            spawned(id, pid: pid, now: now, into: &actions)
        case .spawnFailed(let id, let reason):
            spawnFailed(id, reason: reason, now: now, into: &actions)
        case .becameReady(let id):
            becameReady(id, now: now, into: &actions)
        case .exited(let id, let status):
            exited(id, status: status, now: now, into: &actions)
        case .memorySampled(let id, let bytes):
            memorySampled(id, bytes: bytes, now: now, into: &actions)
        case .restartRequested(let reason):
            restartRequested(reason, now: now)
        case .reconfigured(let settings):
            reconfigure(settings, now: now, into: &actions)
        case .stopRequested:
            stop(now: now, into: &actions)
        case .tick:
            break
        }
        doDueWork(now: now, into: &actions)
        requestWake(now: now, into: &actions)
        return actions
    }
}
