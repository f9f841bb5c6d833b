/// What ``ProcessGroupMachine`` knows about one process it asked for, from `spawn` until it exits.
struct InstanceRecord: Sendable, Hashable {
    /// Where the process is in its life.
    enum Phase: Sendable, Hashable {
        /// `spawn` was asked for; the pid is not known yet.
        case starting
        /// The process runs (its pid is known) and is not ready yet.
        case running
        /// Ready and in the upstream's pool.
        case ready
        /// Out of the pool, being stopped (or killed); it is gone when it exits.
        case stopping
    }

    let id: InstanceID
    /// The port it listens on (its `PORT`).
    let port: Int
    var pid: Int32?
    var phase: Phase = .starting
    /// When `spawn` was asked for: the ready timeout runs from here.
    let startedAt: Duration
    var readyAt: Duration?
    /// When `stop` was sent: the stop timeout runs from here. Nil while stopping waits for the pid.
    var stopSentAt: Duration?
    /// `kill` was sent (ready timeout or stop timeout): nothing more is sent to it.
    var killed = false
    /// The first of the uninterrupted run of memory samples above `max_memory`, if the latest was above.
    var overMemorySince: Duration?

    init(id: InstanceID, port: Int, startedAt: Duration) {
        self.id = id
        self.port = port
        self.startedAt = startedAt
    }

    /// Starting or running: its ready timeout is running.
    var isAwaitingReadiness: Bool { phase == .starting || phase == .running }
}
