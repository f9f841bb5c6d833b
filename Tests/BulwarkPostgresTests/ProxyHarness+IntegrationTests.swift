import BulwarkConfig
import BulwarkPostgres
import BulwarkTestSupport
import Foundation
import InMemoryLogging
import Logging
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A real ``PostgresProxy`` over a ``PostgresReplicaPair``: cluster `main` with both servers, both
/// listeners on port 0, checks every 200 ms (timeout 150 ms), `max_replica_lag` 1 s, run in a
/// `ServiceGroup` and shut down gracefully at the end. Its log lines are kept in ``logs``.
struct ProxyHarness {
    let proxy: PostgresProxy
    let pair: PostgresReplicaPair
    /// The `primary` listener's port.
    let primaryPort: Int
    /// The `replicas` listener's port.
    let replicasPort: Int
    /// Every line the proxy logged (level info and above).
    let logs: InMemoryLogHandler

    /// Runs `body` with a proxy over `pair`; `extra` is more YAML under `postgres.main` (indented by four
    /// spaces). Waits until the first check round has found the primary (and the replica, if `pair`'s
    /// replica is still one) before `body`.
    static func with<T>(pair: PostgresReplicaPair, extra: String = "", _ body: (ProxyHarness) async throws -> T) async throws -> T {
        let yaml = """
        postgres:
          main:
            servers: ["\(pair.primary.address)", "\(pair.replica.address)"]
            check: { user: postgres, database: postgres, interval: 200ms, timeout: 150ms }
            listen: { primary: "127.0.0.1:0", replicas: "127.0.0.1:0" }
            max_replica_lag: 1s
        \(extra)
        """
        let configuration = try BulwarkConfiguration.parse(yaml: yaml)
        var handler = InMemoryLogHandler()
        handler.logLevel = .info
        let logger = Logger(label: "bulwark.postgres", factory: { [handler] _ in handler })
        let proxy = PostgresProxy(clusters: configuration.postgres, logger: logger)
        var quiet = Logger(label: "test.postgres.group")
        quiet.logLevel = .critical
        let group = ServiceGroup(configuration: .init(services: [.init(service: proxy)], logger: quiet))
        let running = Task { try await group.run() }
        func stop() async {
            await group.triggerGracefulShutdown()
            // A proxy that does not stop within 10 s is cancelled (and the test fails on the time limit).
            let watchdog = Task {
                try await Task.sleep(for: .seconds(10))
                running.cancel()
            }
            _ = await running.result
            watchdog.cancel()
        }
        do {
            let ports = try await proxy.listeningPorts()
            guard let primary = ports["main"]?.primary, let replicas = ports["main"]?.replicas else {
                throw TestFailure("listeningPorts() has no ports for cluster main: \(ports)")
            }
            let harness = ProxyHarness(proxy: proxy, pair: pair, primaryPort: primary, replicasPort: replicas, logs: handler)
            try await harness.waitForFirstChecks()
            let result = try await body(harness)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    /// The cluster's status now.
    var status: PostgresClusterStatus {
        get throws {
            guard let cluster = proxy.status().clusters.first(where: { $0.name == "main" }) else { throw TestFailure("no cluster main in status()") }
            return cluster
        }
    }

    private func waitForFirstChecks() async throws {
        try await poll("the first checks find the primary", within: .seconds(10)) {
            try status.primary == pair.primary.address || status.primary == pair.replica.address
        }
    }

    /// psql through a listener: trimmed stdout, or throws with stderr.
    @discardableResult
    func psql(_ sql: String, port: Int) async throws -> String {
        let result = try await Command.psql(sql, port: port)
        guard result.status == 0 else { throw TestFailure("psql through port \(port) failed (\(result.status)): \(result.errors)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A PostgresNIO connection through a listener (no TLS: the proxy answers SSLRequest with N).
    func connect(port: Int) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            host: "127.0.0.1", port: port, username: "postgres", password: nil, database: "postgres", tls: .disable
        )
        configuration.options.connectTimeout = .seconds(10)
        return try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
            id: Self.connectionIDs.wrappingAdd(1, ordering: .relaxed).newValue, logger: Self.quietLogger
        )
    }

    private static let connectionIDs = Atomic<Int>(0)
    static let quietLogger: Logger = {
        var logger = Logger(label: "test.postgres.client")
        logger.logLevel = .critical
        return logger
    }()
}

/// Polls `condition` every 50 ms until it holds (a throw counts as not yet); returns how long it took.
/// Throws naming `what` (the last error, and what `lastSeen` describes) after `limit`.
@discardableResult
func poll(_ what: String, within limit: Duration, _ condition: () async throws -> Bool, orElse lastSeen: () -> String = { "" }) async throws -> Duration {
    let start = ContinuousClock.now
    var lastError: (any Error)?
    while ContinuousClock.now - start < limit {
        do {
            if try await condition() { return ContinuousClock.now - start }
            lastError = nil
        } catch {
            lastError = error
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    let seen = lastSeen()
    throw TestFailure("timed out after \(limit) waiting until \(what)" + (lastError.map { ": \($0)" } ?? "") + (seen.isEmpty ? "" : "; last seen: \(seen)"))
}

/// A command-line client (psql, pgbench) run without blocking a thread of the cooperative pool: the
/// proxy under test needs those threads while the client waits for it.
enum Command {
    struct Result: Sendable {
        var status: Int32
        var output: String
        var errors: String
    }

    /// psql (unaligned, tuples only, stop on error) as `postgres` through `port`.
    static func psql(_ sql: String, port: Int, timeoutSignal: (signal: String, seconds: Int)? = nil) async throws -> Result {
        guard let bin = PostgresServer.binDirectory else { throw TestFailure("no psql") }
        let arguments = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", "postgres", "-c", sql]
        if let timeoutSignal {
            return try await run("/usr/bin/timeout", ["-s", timeoutSignal.signal, "\(timeoutSignal.seconds)", "\(bin)/psql"] + arguments)
        }
        return try await run("\(bin)/psql", arguments)
    }

    /// pgbench as `postgres` through `port` with `arguments`.
    static func pgbench(_ arguments: [String], port: Int) async throws -> Result {
        guard let bin = PostgresServer.binDirectory else { throw TestFailure("no pgbench") }
        return try await run("\(bin)/pgbench", ["-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres"] + arguments + ["postgres"])
    }

    /// Runs `executable` (a ``ChildProcess``: no signal blocked, so psql sees `timeout -s INT`); its output
    /// goes to files (small outputs only), read when it exits. Waited for on a thread of its own, so no
    /// thread of the cooperative pool blocks.
    static func run(_ executable: String, _ arguments: [String]) async throws -> Result {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-cmd-\(UUID().uuidString)")
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
        defer {
            try? output.close()
            try? errors.close()
            close(null)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PGCONNECT_TIMEOUT"] = "10"
        let child = try ChildProcess.spawn(executable, arguments, environment: environment, stdin: null, stdout: output.fileDescriptor, stderr: errors.fileDescriptor)
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: child.wait()) }.start()
        }
        return Result(
            status: status,
            output: (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "",
            errors: (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        )
    }
}

/// One replica pair shared by the non-destructive integration tests (started on first use), stopped
/// when the test process exits.
actor SharedReplicaPair {
    static let shared = SharedReplicaPair()
    private var pair: PostgresReplicaPair?

    func get() async throws -> PostgresReplicaPair {
        if let pair { return pair }
        let started = try await PostgresReplicaPair.start()
        pair = started
        StopAtExit.register(started)
        return started
    }
}

/// Pairs to stop when the process exits (`atexit`): a shared pair has no test that ends last.
enum StopAtExit {
    private static let pairs = Mutex<[PostgresReplicaPair]?>(nil)

    static func register(_ pair: PostgresReplicaPair) {
        pairs.withLock { pairs in
            if pairs == nil {
                atexit { StopAtExit.stopAll() }
                pairs = []
            }
            pairs?.append(pair)
        }
    }

    private static func stopAll() {
        for pair in pairs.withLock({ $0 ?? [] }) { pair.stop() }
    }
}
