/// A child process could not be started. ``description`` says what was wrong and what to check.
public struct ProcessLaunchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is; may grow.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case noSuchExecutable = "no_such_executable"
            case notExecutable = "not_executable"
            case noSuchDirectory = "no_such_directory"
            case invalidCommand = "invalid_command"
            case spawnFailed = "spawn_failed"
        }

        private let base: Base

        /// The command names a program that is neither a path that exists nor a name found on `PATH`.
        public static let noSuchExecutable = Code(base: .noSuchExecutable)
        /// The program exists but may not be executed (mode, `noexec` mount).
        public static let notExecutable = Code(base: .notExecutable)
        /// The working directory does not exist or is not a directory.
        public static let noSuchDirectory = Code(base: .noSuchDirectory)
        /// The command is empty, or an argument or environment entry contains a NUL byte or a bad name.
        public static let invalidCommand = Code(base: .invalidCommand)
        /// `posix_spawn` or a resource it needs (a pipe) failed for another reason.
        public static let spawnFailed = Code(base: .spawnFailed)

        /// `no_such_executable`, `spawn_failed`…
        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// A sentence for operators: `no such executable: nodee (searched PATH /usr/local/bin:/usr/bin:/bin)`.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The ``message``.
    public var description: String { message }
}
