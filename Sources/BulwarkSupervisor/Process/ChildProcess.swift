import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts, waits for and signals the processes of a supervised app, with `posix_spawn` and `waitpid`.
///
/// Foundation's `Process` is not used: it reaps children on a thread of its own, which races with any
/// other wait, and it cannot start a child in a new process group.
///
/// ```swift
/// let child = try ChildProcess.launch(command: ["node", "dist/index.js"], environment: env, workingDirectory: "/srv/app")
/// let pump = Task { await OutputPump(logFile: log) { line in logger.info("\(line)") }.run(child.output) }
/// let status = await child.waitForExit()   // .code(0), .signal(9)…
/// await pump.value
/// ```
public enum ChildProcess {
    /// Starts `command` as the leader of a new process group.
    ///
    /// The child gets exactly `environment`, `/dev/null` as standard input, and one pipe as both standard
    /// output and standard error, whose read end is ``LaunchedChild/output``. Signals are unblocked and at
    /// their default dispositions; no descriptor of the supervisor but those three is inherited.
    ///
    /// - Parameters:
    ///   - command: the program and its arguments. A program without `/` is looked up on the `PATH` of
    ///     `environment` (or `/usr/local/bin:/usr/bin:/bin`); one with `/` is taken relative to
    ///     `workingDirectory`.
    ///   - environment: the child's whole environment.
    ///   - workingDirectory: the directory the child starts in; `nil` keeps the supervisor's.
    /// - Throws: ``ProcessLaunchError``, e.g. `no such executable: nodee (searched PATH …)`.
    public static func launch(command: [String], environment: [String: String], workingDirectory: String?) throws(ProcessLaunchError) -> LaunchedChild {
        guard let name = command.first, !name.isEmpty else {
            throw ProcessLaunchError(.invalidCommand, "the command is empty: name a program to run")
        }
        try validate(command: command, environment: environment)
        if let workingDirectory, !isDirectory(workingDirectory) {
            throw ProcessLaunchError(.noSuchDirectory, "no such working directory: \(workingDirectory)")
        }
        let executable = try ExecutableSearch.resolve(name, path: environment["PATH"], workingDirectory: workingDirectory)
        let (readEnd, writeEnd) = try makePipe()
        let pid: pid_t
        do {
            pid = try spawn(executable, command, environment, output: writeEnd, workingDirectory: workingDirectory)
        } catch {
            close(readEnd)
            close(writeEnd)
            throw error
        }
        close(writeEnd)
        return LaunchedChild(pid: pid, output: FileHandle(fileDescriptor: readEnd, closeOnDealloc: true))
    }

    private static func spawn(_ executable: String, _ command: [String], _ environment: [String: String], output: Int32, workingDirectory: String?) throws(ProcessLaunchError) -> pid_t {
        var fileActions = try SpawnFileActions(output: output, workingDirectory: workingDirectory)
        var attributes = try SpawnAttributes()
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &fileActions.actions, &attributes.attributes, argv, envp)
        switch result {
        case 0: return pid
        case ENOENT: throw ProcessLaunchError(.noSuchExecutable, "no such executable: \(executable)")
        case EACCES, ENOEXEC, EPERM: throw ProcessLaunchError(.notExecutable, "cannot execute \(executable): \(String(cString: strerror(result)))")
        default: throw ProcessLaunchError(.spawnFailed, "could not start \(executable): \(String(cString: strerror(result)))")
        }
    }

    /// A pipe whose two ends are close-on-exec (the child gets the write end as its descriptors 1 and 2).
    private static func makePipe() throws(ProcessLaunchError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw ProcessLaunchError(.spawnFailed, "cannot create the child's output pipe: \(String(cString: strerror(errno)))")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    private static func validate(command: [String], environment: [String: String]) throws(ProcessLaunchError) {
        if let argument = command.first(where: { $0.utf8.contains(0) }) {
            throw ProcessLaunchError(.invalidCommand, "a command argument contains a NUL byte: \(argument.debugDescription)")
        }
        for (key, value) in environment where key.isEmpty || key.utf8.contains(UInt8(ascii: "=")) || key.utf8.contains(0) || value.utf8.contains(0) {
            throw ProcessLaunchError(.invalidCommand, "invalid environment variable \(key.debugDescription): names are non-empty without '=', and neither name nor value may contain a NUL byte")
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
