#if canImport(Glibc)
import Glibc
#endif

/// The one-writer rule: an exclusive `flock` on `<journal>/lock` (0600), held until ``release()`` or
/// until the process exits. `flock` locks belong to an open file description, so a second
/// ``AuditJournal`` in the same process is refused as another process is.
final class JournalLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Takes the lock of the journal in `directory`.
    /// - Throws: ``AuditJournalError`` `.locked` naming the directory when another writer holds it.
    static func acquire(directory: String) throws(AuditJournalError) -> JournalLock {
        let path = JournalFiles.path(directory, "lock")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw AuditJournalError(.io, "cannot open the audit journal lock \(path): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(descriptor)
            if code == EWOULDBLOCK {
                throw AuditJournalError(.locked, "the audit journal \(directory) is already open for writing by another process or journal (lock \(path) is held)")
            }
            throw AuditJournalError(.io, "cannot lock the audit journal \(path): \(String(cString: strerror(code)))")
        }
        _ = fchmod(descriptor, 0o600)
        return JournalLock(descriptor: descriptor)
    }

    /// Lets the next writer in.
    func release() {
        close(descriptor)
    }
}
