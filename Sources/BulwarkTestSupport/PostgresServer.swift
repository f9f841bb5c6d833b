import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL (Debian's `postgresql` package) initialised with `initdb` in a temp dir and
/// started with `pg_ctl` on an ephemeral loopback port (as the `postgres` user when running as root),
/// stopped and deleted at the end. Locally a missing server skips with a loud message; under
/// `CI=true` it is a failure.
public final class PostgresServer: Sendable {
    /// The server's bin directory (newest installed version).
    public static let binDirectory: String? = {
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        return versions.map { "/usr/lib/postgresql/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }()

    /// Whether tests that need PostgreSQL run: it is installed, or CI must fail without it.
    public static let shouldRun: Bool = {
        if binDirectory == nil && !RedisServer.isCI {
            FileHandle.standardError.write(Data("\n⚠️  SKIPPING PostgreSQL tests: postgresql is not installed (apt-get install postgresql). Under CI=true this fails.\n\n".utf8))
        }
        return binDirectory != nil || RedisServer.isCI
    }()

    /// The port.
    public let port: Int
    /// The data and socket directory.
    public let directory: URL

    private init(port: Int, directory: URL) {
        self.port = port
        self.directory = directory
    }

    /// `postgres://postgres@127.0.0.1:PORT/database`.
    public func url(database: String = "postgres") -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)" }

    /// Initialises and starts a server.
    public static func start() async throws -> PostgresServer {
        guard let bin = binDirectory else { throw TestFailure("PostgreSQL is not installed but CI=true: install Debian's postgresql package") }
        let directory = URL(fileURLWithPath: "/tmp/bulwark-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = PostgresServer(port: try RedisServer.freePort(), directory: directory)
        if getuid() == 0 {
            try run("/bin/chown", ["postgres:postgres", directory.path])
        }
        let data = directory.appendingPathComponent("data").path
        try asPostgres("\(bin)/initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
        try asPostgres("\(bin)/pg_ctl", [
            "-D", data, "-l", directory.appendingPathComponent("log").path, "-w", "-t", "60",
            "-o", "-p \(server.port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "start",
        ])
        return server
    }

    /// Runs SQL with psql against `database`; returns stdout. Throws with stderr on failure.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        guard let bin = Self.binDirectory else { throw TestFailure("no psql") }
        return try Self.run("\(bin)/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-c", sql])
    }

    /// Stops the server (fast shutdown) and deletes its directory.
    public func stop() {
        if let bin = Self.binDirectory {
            _ = try? Self.asPostgres("\(bin)/pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "fast", "-w", "-t", "30", "stop"])
        }
        try? FileManager.default.removeItem(at: directory)
    }

    static func asPostgres(_ executable: String, _ arguments: [String]) throws {
        if getuid() == 0 {
            try run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
        } else {
            try run(executable, arguments)
        }
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        // Output goes to files, not pipes: `pg_ctl start` leaves a postmaster behind that would hold a
        // pipe open forever.
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-pg-\(UUID().uuidString)")
        let outputURL = base.appendingPathExtension("out")
        let errorURL = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outputURL)
            try? FileManager.default.removeItem(at: errorURL)
        }
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)
        let null = open("/dev/null", O_RDONLY)
        defer { close(null) }
        let child = try ChildProcess.spawn(executable, arguments, environment: ProcessInfo.processInfo.environment, stdin: null, stdout: output.fileDescriptor, stderr: errors.fileDescriptor)
        let status = child.wait()
        try? output.close()
        try? errors.close()
        guard status == 0 else {
            let message = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) failed (\(status)): \(message)")
        }
        return (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    }
}
