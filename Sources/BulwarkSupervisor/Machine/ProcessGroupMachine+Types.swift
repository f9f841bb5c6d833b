import BulwarkConfig

extension ProcessGroupMachine {
    /// What happened, told to the machine by its shell (``ProcessSupervisor``) with the time.
    public enum Event: Sendable, Hashable {
        /// The supervisor starts the group.
        case start
        /// The process of `instance` was spawned with `pid`.
        case spawned(InstanceID, pid: Int32)
        /// The process of `instance` could not be spawned (no such executable…): counts as a crash.
        case spawnFailed(InstanceID, reason: String)
        /// `instance` passed its readiness check. Ignored for an instance that is no longer awaited
        /// (timed out, replaced, stopping).
        case becameReady(InstanceID)
        /// The process of `instance` ended. Report every exit, also of processes the machine stopped or
        /// killed: a slot's next process may be waiting for the port the old one held.
        case exited(InstanceID, ExitStatus)
        /// The RSS of `instance`'s process tree was sampled.
        case memorySampled(InstanceID, bytes: Int)
        /// `POST /api/processes/NAME/restart`, or a reload that changed the group: replace every
        /// instance, one at a time.
        case restartRequested(RestartReason)
        /// The group's settings changed on a reload (command, environment, instances…): later starts
        /// use them; `instances` growing or shrinking starts or stops slots at once; a change of
        /// command or environment also rolls every instance.
        case reconfigured(ProcessGroupSettings)
        /// Stop everything (shutdown): remove every instance from the pool, stop them all.
        case stopRequested
        /// A wake-up the machine asked for (``Action/wake(at:)``) is due, or any periodic tick.
        case tick
    }

    /// What the shell must do, in order.
    public enum Action: Sendable, Hashable {
        /// Start a process for `instance` listening on `port` (its `PORT`), with the command,
        /// environment and working directory of ``ProcessGroupMachine/settings`` as they are when the
        /// action is returned. Answer with ``Event/spawned(_:pid:)`` or ``Event/spawnFailed(_:reason:)``.
        case spawn(InstanceID, port: Int)
        /// Start checking `instance`'s readiness on `port` (the machine times it out itself).
        case watchReadiness(InstanceID, port: Int)
        /// Make `port` a target of the group's upstream.
        case addTarget(port: Int)
        /// Take `port` out of the upstream; requests in flight to it finish.
        case removeTarget(port: Int)
        /// Stop `instance`'s process group gracefully: wait (at most `drainFor`) until the gateway has no
        /// request in flight to its port, send `stop.signal`; the machine sends ``kill(_:pid:)`` itself
        /// after `stop.timeout`.
        case stop(InstanceID, pid: Int32, drainFor: Duration)
        /// Send `SIGKILL` to `instance`'s process group.
        case kill(InstanceID, pid: Int32)
        /// Send ``Event/tick`` at this time (monotonic, as the machine's `now`) or earlier.
        ///
        /// Returned (at most once per call, always after `now`) whenever the machine's earliest deadline
        /// changes, so the shell may keep a single timer and move it to the latest `wake`. A tick that
        /// comes early, or for a deadline that has since gone, does nothing.
        case wake(at: Duration)
        /// Something operators should know: log it, count it, alert on it.
        case report(Report)
    }

    /// How a process ended.
    public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
        /// It exited with this code.
        case code(Int32)
        /// A signal ended it.
        case signal(Int32)

        /// `exit code 1` or `signal 9 (SIGKILL)`.
        public var description: String {
            switch self {
            case .code(let code): "exit code \(code)"
            case .signal(let signal): "signal \(signal)" + (Self.names[signal].map { " (\($0))" } ?? "")
            }
        }

        static let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"]
    }

    /// Why instances are being replaced.
    public enum RestartReason: String, Sendable, Hashable {
        /// By hand (`bulwark processes restart`, the admin API).
        case requested
        /// A reload changed the command or environment.
        case reconfigured
    }

    /// Facts for logs, metrics and alerts.
    public enum Report: Sendable, Hashable {
        /// `instance` crashed (`status`), or failed to spawn or become ready (`reason`); it restarts after `delay`.
        /// A `delay` of zero: the replacement that was already starting for the slot takes its place.
        case restarting(InstanceID, reason: String, delay: Duration)
        /// Too many restarts of `slot` within `restart.window`: it is given up (alert `process_crash_loop`).
        /// `restarts` counts the failures within the window, the last one included (`max_restarts` + 1).
        /// When it was a replacement that kept failing, the old instance keeps serving and a rolling
        /// restart under way ends there.
        case crashLoop(slot: Int, restarts: Int, lastReason: String)
        /// `instance` stayed above `max_memory` for the grace period and is being replaced (alert
        /// `process_memory_restart`).
        case memoryRestart(InstanceID, bytes: Int)
        /// `instance` is ready and serving on `port`.
        case serving(InstanceID, port: Int)
        /// `instance` did not stop within `stop.timeout` and was killed.
        case killed(InstanceID)
    }
}
