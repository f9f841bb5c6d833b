#if canImport(Glibc)
import Glibc
#endif

/// Finds the program a command names, the way `execvp` would but with the child's own `PATH` (from the
/// environment it is given, not the supervisor's), so that a missing program is reported by name before
/// anything is spawned.
enum ExecutableSearch {
    /// Used when the child's environment has no `PATH`.
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// The path to spawn for `name`: `name` itself when it contains a `/` (relative to the child's working
    /// directory), otherwise the first executable regular file `DIR/name` over `path`'s directories.
    /// Relative `PATH` entries (an empty one means `.`) are relative to `workingDirectory`, as for the child.
    static func resolve(_ name: String, path: String?, workingDirectory: String?) throws(ProcessLaunchError) -> String {
        if name.contains("/") { return name }
        let searched = path ?? defaultPath
        var unexecutable: String?
        for entry in searched.split(separator: ":", omittingEmptySubsequences: false) {
            let directory = entry.isEmpty ? "." : String(entry)
            let candidate = directory + "/" + name
            let onDisk = directory.hasPrefix("/") ? candidate : (workingDirectory.map { $0 + "/" + candidate } ?? candidate)
            switch kind(of: onDisk) {
            case .executable: return candidate
            case .notExecutable: unexecutable = unexecutable ?? onDisk
            case .absent: continue
            }
        }
        if let unexecutable {
            throw ProcessLaunchError(.notExecutable, "not executable: \(unexecutable) (check its mode and mount options)")
        }
        throw ProcessLaunchError(.noSuchExecutable, "no such executable: \(name) (searched PATH \(searched))")
    }

    private enum Kind { case executable, notExecutable, absent }

    private static func kind(of path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return .absent }
        return access(path, X_OK) == 0 ? .executable : .notExecutable
    }
}
