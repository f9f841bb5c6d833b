import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs PostgreSQL's tools as child processes: to completion with captured output, or streaming their
/// standard output to a callback in large chunks.
enum Subprocess {
    struct Result: Sendable {
        var status: Int32
        var output: String
        var errorOutput: String
    }

    /// Runs `executable` with `arguments`; waits for it. Output is captured in temporary files.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Result {
        let outputFile = try TemporaryFile()
        let errorFile = try TemporaryFile()
        let null = open("/dev/null", O_RDONLY)
        defer { close(null) }
        let child = try spawn(executable, arguments, environment, stdin: null, stdout: outputFile.handle.fileDescriptor, stderr: errorFile.handle.fileDescriptor)
        let status = child.wait()
        return Result(status: status, output: outputFile.contents(), errorOutput: errorFile.contents())
    }

    /// Runs `executable` and hands its standard output to `consume` in chunks of up to 1 MiB as it
    /// arrives (one read of the data). Returns the exit status and standard error.
    static func stream(_ executable: String, _ arguments: [String], environment: [String: String], consume: (Data) throws -> Void) throws -> Result {
        let errorFile = try TemporaryFile()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw BackupError("cannot create a pipe: errno \(errno)") }
        let null = open("/dev/null", O_RDONLY)
        defer { close(null) }
        let child: ChildProcess
        do {
            child = try spawn(executable, arguments, environment, stdin: null, stdout: fds[1], stderr: errorFile.handle.fileDescriptor)
        } catch {
            close(fds[0])
            close(fds[1])
            throw error
        }
        close(fds[1])
        let reader = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
        do {
            while let chunk = try reader.read(upToCount: 1 << 20), !chunk.isEmpty {
                try consume(chunk)
            }
        } catch {
            child.terminate()
            _ = child.wait()
            throw error
        }
        let status = child.wait()
        return Result(status: status, output: "", errorOutput: errorFile.contents())
    }

    private static func spawn(_ executable: String, _ arguments: [String], _ environment: [String: String], stdin: Int32, stdout: Int32, stderr: Int32) throws -> ChildProcess {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        do {
            return try ChildProcess.spawn(executable, arguments, environment: merged, stdin: stdin, stdout: stdout, stderr: stderr)
        } catch {
            throw BackupError("\(error)")
        }
    }
}

/// A scratch file for a child's output (mode `0600`: it can hold query results), deleted when released.
final class TemporaryFile {
    let url: URL
    let handle: FileHandle

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-\(UUID().uuidString).out")
        handle = try PrivateFile.create(at: url)
    }

    func contents() -> String {
        (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }
}
