/// One instance of a process group as `/api/processes` and the dashboard show it. A slot with no
/// process (waiting to restart, or given up) appears with the last instance it had.
public struct InstanceSnapshot: Sendable, Hashable {
    /// Where an instance is in its life.
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Spawn requested; the pid is not known yet.
        case starting
        /// Running, not ready yet.
        case running
        /// Ready and in the upstream's pool.
        case ready
        /// Out of the pool, being stopped.
        case stopping
        /// The slot's instance crashed; it restarts after the backoff.
        case waitingToRestart = "waiting_to_restart"
        /// The slot crash-looped: it is not restarted until a restart request or a reload.
        case givenUp = "given_up"
    }

    /// The instance; for a slot waiting to restart or given up, the last one it had (serial 0 when it
    /// never had one). An instance killed for its ready timeout that has not exited yet is listed twice:
    /// stopping, and as its slot waiting to restart.
    public var id: InstanceID
    /// Its port (`PORT`); for a slot waiting to restart, the port the restart will use if it is free.
    public var port: Int
    /// Its process id, once spawned.
    public var pid: Int32?
    /// Where it is in its life.
    public var state: State
    /// When it was spawned, on the supervisor's monotonic clock.
    public var startedAt: Duration?
    /// When it became ready.
    public var readyAt: Duration?
    /// Restarts of its slot since the group started.
    public var restarts: Int
    /// How the slot's last process that ended did.
    public var lastExit: ProcessGroupMachine.ExitStatus?
    /// Why the slot last failed (`exit code 1`, `not ready within 30 s`, `could not start: …`).
    public var lastReason: String?

    /// Creates a snapshot.
    public init(
        id: InstanceID,
        port: Int,
        pid: Int32? = nil,
        state: State,
        startedAt: Duration? = nil,
        readyAt: Duration? = nil,
        restarts: Int = 0,
        lastExit: ProcessGroupMachine.ExitStatus? = nil,
        lastReason: String? = nil
    ) {
        self.id = id
        self.port = port
        self.pid = pid
        self.state = state
        self.startedAt = startedAt
        self.readyAt = readyAt
        self.restarts = restarts
        self.lastExit = lastExit
        self.lastReason = lastReason
    }
}
