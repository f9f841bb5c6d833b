import BulwarkTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A `python3 -c SCRIPT` child that holds something (a lock, a listening socket) until killed. The
/// script prints one line when it holds it; ``start(_:_:)`` returns after reading that line.
struct PythonHolder {
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    let child: ChildProcess
    /// The first line the script printed.
    let line: String

    /// Runs `script` with `arguments` (its `sys.argv[1...]`) and waits for its first line.
    static func start(_ script: String, _ arguments: [String] = []) throws -> PythonHolder {
        guard let python else { throw TestFailure("python3 is not installed") }
        var output: [Int32] = [0, 0]
        guard pipe(&output) == 0 else { throw TestFailure("pipe: \(String(cString: strerror(errno)))") }
        // Not inherited by other tests' children, so end of file comes when this one exits.
        for descriptor in output { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(python, ["-c", script] + arguments, environment: [:], stdin: null, stdout: output[1], stderr: null)
        } catch {
            close(output[0])
            close(output[1])
            throw error
        }
        close(output[1])
        defer { close(output[0]) }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        // Ends at the line, or at end of file when the script died (our write end is closed).
        while read(output[0], &byte, 1) == 1, byte != UInt8(ascii: "\n") { bytes.append(byte) }
        let holder = PythonHolder(child: child, line: String(decoding: bytes, as: UTF8.self))
        guard !holder.line.isEmpty else {
            holder.stop()
            throw TestFailure("python3 exited before holding anything")
        }
        return holder
    }

    /// A python3 child listening on a free loopback port; ``port`` is that port.
    static func listeningOnAFreePort() throws -> PythonHolder {
        try start("""
        import socket, time
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen()
        print(s.getsockname()[1], flush=True)
        time.sleep(60)
        """)
    }

    /// The port a ``listeningOnAFreePort()`` holder listens on.
    var port: Int? { Int(line) }

    /// Kills the child and reaps it.
    func stop() {
        kill(child.pid, SIGKILL)
        _ = child.wait()
    }
}
