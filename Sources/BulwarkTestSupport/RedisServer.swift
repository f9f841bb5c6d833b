import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real `redis-server` (Debian's package) on an ephemeral loopback port with its own temp dir,
/// stopped when the test ends. Locally a missing binary skips the test with a loud message; under
/// `CI=true` it is a failure.
public final class RedisServer: @unchecked Sendable {
    public static let binary = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first { FileManager.default.isExecutableFile(atPath: $0) }
    public static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    /// Whether tests that need Redis run: the binary exists, or CI must fail without it.
    public static let shouldRun: Bool = {
        if binary == nil && !isCI {
            FileHandle.standardError.write(Data("\n⚠️  SKIPPING Redis tests: redis-server is not installed (apt-get install redis-server). Under CI=true this fails.\n\n".utf8))
        }
        return binary != nil || isCI
    }()

    public let port: Int
    public let directory: URL
    let extraArguments: [String]
    private var process: Process?

    private init(port: Int, directory: URL, extraArguments: [String]) {
        self.port = port
        self.directory = directory
        self.extraArguments = extraArguments
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    /// Starts a server; `arguments` are extra `redis-server` options (e.g. `--requirepass`).
    public static func start(_ arguments: [String] = []) async throws -> RedisServer {
        guard binary != nil else {
            throw TestFailure("redis-server is not installed but CI=true: install Debian's redis-server package")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-redis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = RedisServer(port: try freePort(), directory: directory, extraArguments: arguments)
        try await server.launch()
        return server
    }

    /// Starts (or starts again) the server process on the same port and waits until it accepts connections.
    public func launch() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary!)
        process.arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", directory.path, "--daemonize", "no", "--logfile", directory.appendingPathComponent("redis.log").path]
            + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        // A bounded wait for readiness (up to 5 s): the only real-time wait these tests make.
        for _ in 0..<500 {
            if Self.accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("redis-server did not start on port \(port); see \(directory.path)/redis.log")
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    public func kill() {
        guard let process else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        // Bounded: Foundation reaps the child; wait until the port is free again (at most 5 s).
        for _ in 0..<500 where process.isRunning || Self.accepts(port: port) { usleep(10_000) }
        self.process = nil
    }

    /// Stops the server (it holds no data worth saving) and removes its directory.
    public func stop() {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// A port the kernel just handed out for loopback (bound to port 0, then released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestFailure("could not find a free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A test precondition that did not hold, with what to do about it.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
