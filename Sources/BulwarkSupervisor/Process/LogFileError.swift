/// A ``RotatingLogFile`` could not be opened or written; ``description`` names the file and the reason.
public struct LogFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or directory concerned.
    public let path: String
    /// What failed, e.g. `cannot write: No space left on device`.
    public let reason: String

    /// Creates an error.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `PATH: REASON`.
    public var description: String { "\(path): \(reason)" }
}
