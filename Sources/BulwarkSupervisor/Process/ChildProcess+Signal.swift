#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// Sends `signal` to every process in the process group `processGroup` (a child's pid, since each
    /// child leads a group of its own): the child, and whatever it started that stayed in its group.
    ///
    /// - Returns: `true` when the signal was sent; `false` when the group has no process left (`ESRCH`,
    ///   not an error: it ended on its own), when it may not be signalled (`EPERM`), or when
    ///   `processGroup` is not above 1 — such a value would name the supervisor's own group or every
    ///   process, and is refused.
    @discardableResult
    public static func signalGroup(_ processGroup: Int32, _ signal: Int32) -> Bool {
        guard processGroup > 1 else { return false }
        return kill(-processGroup, signal) == 0
    }
}
