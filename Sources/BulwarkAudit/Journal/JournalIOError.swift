#if canImport(Glibc)
import Glibc
#endif

/// A system call of the writer that failed: `write failed: No space left on device`.
struct JournalIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done: `write`, `fdatasync`, `create`, `truncate`.
    var operation: String
    /// The `errno` it failed with.
    var code: Int32

    init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    /// `write failed: File too large`.
    var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
}
