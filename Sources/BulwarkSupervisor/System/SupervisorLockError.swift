/// Why ``SupervisorLock`` could not be acquired.
///
/// Its description says what to do about it:
/// `another bulwark run (pid 4242) already supervises /etc/bulwark/bulwark.yaml (lock /run/user/0/bulwark-run-3f1c….lock)`.
public struct SupervisorLockError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case held(byPID: Int32?)
        case cannotOpen(reason: String)
    }

    private let kind: Kind
    /// What the lock is for: the configuration file, or the command line.
    public let subject: String
    /// The lock file.
    public let lockPath: String

    init(_ kind: Kind, subject: String, lockPath: String) {
        self.kind = kind
        self.subject = subject
        self.lockPath = lockPath
    }

    /// Whether another process holds the lock (rather than the file being unusable).
    public var isHeldByAnotherProcess: Bool {
        if case .held = kind { return true }
        return false
    }

    /// The pid written by the process that holds the lock, when it is known.
    public var holderPID: Int32? {
        if case .held(let pid) = kind { return pid }
        return nil
    }

    /// One line naming the holder (or the system's reason), the subject and the lock file.
    public var description: String {
        switch kind {
        case .held(let pid?):
            "another bulwark run (pid \(pid)) already supervises \(subject) (lock \(lockPath))"
        case .held(nil):
            "another bulwark run already supervises \(subject) (lock \(lockPath))"
        case .cannotOpen(let reason):
            "cannot lock \(lockPath) for \(subject): \(reason)"
        }
    }
}
