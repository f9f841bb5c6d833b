#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// Waits until the child `pid` exits, reaps it and returns how it ended.
    ///
    /// The `waitpid` runs on a thread of its own, never on a cooperative thread. It is not cancellable: a
    /// child must be reaped once it ends, so stop it (``signalGroup(_:_:)``) rather than cancel the wait.
    /// Call it once per child; `pid` must be a child of this process that nobody else reaps (a second
    /// wait, or a `pid` that is not our child, returns `.code(-1)`).
    public static func waitForExit(pid: Int32) async -> ProcessGroupMachine.ExitStatus {
        await DedicatedThread.run("bulwark-wait-\(pid)") {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 {
                if errno != EINTR { return .code(-1) }
            }
            return ProcessGroupMachine.ExitStatus(waitStatus: status)
        }
    }
}

extension ProcessGroupMachine.ExitStatus {
    /// Decodes a status from `waitpid`: `WIFSIGNALED` gives ``signal(_:)``, otherwise ``code(_:)``.
    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        self = signal == 0 || signal == 0x7f ? .code((status >> 8) & 0xff) : .signal(signal)
    }
}
