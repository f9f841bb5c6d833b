import BulwarkConfig

/// Every decision about one process group's instances, as a pure value: events and the time in,
/// actions out. No clock, no processes, no I/O; ``ProcessSupervisor`` is the shell that does them.
///
/// STUB: being written (start, readiness, crash restarts with backoff, crash loops, memory restarts,
/// rolling restarts on spare ports, reconfiguration, stop).
public struct ProcessGroupMachine: Sendable {
    /// The group's settings in force.
    public private(set) var settings: ProcessGroupSettings

    /// A machine for `settings`, with nothing started.
    public init(settings: ProcessGroupSettings) {
        self.settings = settings
    }

    /// Handles `event` at monotonic time `now`; returns what to do, in order.
    public mutating func handle(_ event: Event, now: Duration) -> [Action] {
        []
    }
}
