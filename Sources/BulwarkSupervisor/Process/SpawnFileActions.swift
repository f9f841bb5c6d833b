#if canImport(Glibc)
import Glibc
#endif

/// The file actions of a supervised child: standard input from `/dev/null`, standard output and standard
/// error both into one pipe, the working directory, and every other descriptor closed, so that a child
/// never inherits the supervisor's listening sockets or another child's pipe.
struct SpawnFileActions: ~Copyable {
    var actions = posix_spawn_file_actions_t()

    /// `output` is the write end of the child's pipe; `workingDirectory` is entered before `exec`.
    init(output: Int32, workingDirectory: String?) throws(ProcessLaunchError) {
        posix_spawn_file_actions_init(&actions)
        var result = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if result == 0 { result = posix_spawn_file_actions_adddup2(&actions, output, 1) }
        if result == 0 { result = posix_spawn_file_actions_adddup2(&actions, output, 2) }
        if result == 0, let workingDirectory {
            guard let addChdir = Self.addChdir else {
                throw ProcessLaunchError(.spawnFailed, "this C library cannot set a child's working directory (needs glibc 2.29 or later)")
            }
            result = addChdir(&actions, workingDirectory)
        }
        // Best effort: without it, the close-on-exec flags the supervisor's descriptors carry still apply.
        if result == 0, let addCloseFrom = Self.addCloseFrom { result = addCloseFrom(&actions, 3) }
        if result != 0 {
            posix_spawn_file_actions_destroy(&actions)
            throw ProcessLaunchError(.spawnFailed, "cannot prepare the child's descriptors: \(String(cString: strerror(result)))")
        }
    }

    deinit {
        var actions = actions
        posix_spawn_file_actions_destroy(&actions)
    }

    // glibc declares these only under _GNU_SOURCE, which Swift's Glibc module does not set.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }
    private static let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }
}
