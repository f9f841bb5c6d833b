/// Why an audit journal could not be opened or read, with the directory or file named.
public struct AuditJournalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure it is.
    public enum Code: Sendable, Equatable {
        /// Another writer (another process, or another ``AuditJournal`` in this one) holds the journal.
        case locked
        /// A file or directory could not be created, opened, read, written or removed.
        case io
        /// A segment file's header is wrong in a way a crash cannot explain; the journal is left as it is.
        case damaged
        /// There is no journal at the directory (readers only).
        case missing
    }

    /// What kind of failure it is.
    public var code: Code
    /// What happened and where, e.g. `the audit journal /var/lib/bulwark/audit is already open for
    /// writing by another process (lock /var/lib/bulwark/audit/lock is held)`.
    public var message: String

    /// An error of `code` saying `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
