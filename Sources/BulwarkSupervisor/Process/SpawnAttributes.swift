#if canImport(Glibc)
import Glibc
#endif

/// The attributes of a supervised child: a process group of its own (its pgid is its pid, so that
/// `kill(-pid, …)` reaches everything it starts), no blocked signals, and every signal at its default
/// disposition, whatever the supervisor itself blocks or ignores.
struct SpawnAttributes: ~Copyable {
    var attributes = posix_spawnattr_t()

    init() throws(ProcessLaunchError) {
        posix_spawnattr_init(&attributes)
        var none = sigset_t()
        var all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        var result = posix_spawnattr_setflags(&attributes, Int16(flags))
        if result == 0 { result = posix_spawnattr_setpgroup(&attributes, 0) }
        if result == 0 { result = posix_spawnattr_setsigmask(&attributes, &none) }
        if result == 0 { result = posix_spawnattr_setsigdefault(&attributes, &all) }
        if result != 0 {
            posix_spawnattr_destroy(&attributes)
            throw ProcessLaunchError(.spawnFailed, "cannot prepare the child's attributes: \(String(cString: strerror(result)))")
        }
    }

    deinit {
        var attributes = attributes
        posix_spawnattr_destroy(&attributes)
    }
}
