import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL primary and a streaming replica of it, on two ephemeral loopback ports, for tests
/// that need roles, lag and failover (issue 19).
///
/// The primary is made like ``PostgresServer`` (`initdb`, trust authentication, fsync off) with
/// `wal_level=replica`; the replica is a `pg_basebackup -R -X stream` copy of it, started on its own port.
/// ``start()`` returns once the replica is streaming (about one second on a 2-core machine). Runs as the
/// `postgres` user when the tests run as root. Gate tests with `.enabled(if: PostgresServer.shouldRun)`.
///
/// ```swift
/// let pair = try await PostgresReplicaPair.start()
/// defer { pair.stop() }
/// try pair.primary.psql("create table t (x int)")
/// try await pair.waitForReplay()
/// #expect(try pair.replica.psql("select pg_is_in_recovery()") == "t")
/// ```
public final class PostgresReplicaPair: Sendable {
    /// One server of the pair.
    public struct Node: Sendable {
        /// Its loopback port.
        public let port: Int
        /// Its data directory.
        public let dataDirectory: String
        let socketDirectory: String

        /// `127.0.0.1:PORT`, as a `postgres:` cluster's `servers` entry.
        public var address: String { "127.0.0.1:\(port)" }

        /// `postgres://postgres@127.0.0.1:PORT/database`.
        public func url(database: String = "postgres") -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)" }

        /// Runs SQL with psql as `postgres`; returns stdout without its surrounding whitespace (unaligned,
        /// tuples only). Throws with stderr on failure.
        @discardableResult
        public func psql(_ sql: String, database: String = "postgres") throws -> String {
            try PostgresReplicaPair.psql(sql, port: port, database: database)
        }
    }

    /// The server started as primary.
    public let primary: Node
    /// The streaming replica (primary after ``promoteReplica()``).
    public let replica: Node
    /// The directory holding both data directories, their logs and sockets.
    public let directory: URL

    /// The primary's port.
    public var primaryPort: Int { primary.port }
    /// The replica's port.
    public var replicaPort: Int { replica.port }

    private init(primary: Node, replica: Node, directory: URL) {
        self.primary = primary
        self.replica = replica
        self.directory = directory
    }

    /// Settings both servers start with: loopback only, and no fsync (tests do not survive power loss).
    static let fastSettings = "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"

    /// Initialises the primary, copies it into a replica, starts both and waits until the replica streams.
    public static func start() async throws -> PostgresReplicaPair {
        guard let bin = PostgresServer.binDirectory else { throw TestFailure("PostgreSQL is not installed but CI=true: install Debian's postgresql package") }
        let directory = URL(fileURLWithPath: "/tmp/bulwark-pgpair-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if getuid() == 0 {
            try PostgresServer.run("/bin/chown", ["postgres:postgres", directory.path])
        }
        let primaryPort = try RedisServer.freePort()
        var replicaPort = try RedisServer.freePort()
        while replicaPort == primaryPort { replicaPort = try RedisServer.freePort() }
        let pair = PostgresReplicaPair(
            primary: Node(port: primaryPort, dataDirectory: directory.appendingPathComponent("primary").path, socketDirectory: directory.path),
            replica: Node(port: replicaPort, dataDirectory: directory.appendingPathComponent("replica").path, socketDirectory: directory.path),
            directory: directory
        )
        do {
            try PostgresServer.asPostgres("\(bin)/initdb", ["-D", pair.primary.dataDirectory, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"])
            try pair.startServer(pair.primary, bin: bin, extra: "-c wal_level=replica -c max_wal_senders=5 -c hot_standby=on")
            try PostgresServer.asPostgres("\(bin)/pg_basebackup", [
                "-h", "127.0.0.1", "-p", "\(primaryPort)", "-U", "postgres", "-D", pair.replica.dataDirectory,
                "-R", "-X", "stream", "--checkpoint=fast", "--no-sync",
            ])
            try pair.startServer(pair.replica, bin: bin, extra: "-c hot_standby=on")
            try await until("the replica streams from the primary", within: .seconds(30)) {
                try pair.primary.psql("select count(*) from pg_stat_replication where state = 'streaming'") == "1"
            }
        } catch {
            pair.stop()
            throw error
        }
        return pair
    }

    private func startServer(_ node: Node, bin: String, extra: String) throws {
        try PostgresServer.asPostgres("\(bin)/pg_ctl", [
            "-D", node.dataDirectory, "-l", node.dataDirectory + ".log", "-w", "-t", "60",
            "-o", "-p \(node.port) -k \(node.socketDirectory) \(Self.fastSettings) \(extra)",
            "start",
        ])
    }

    /// Runs SQL with psql as `postgres` against the server on `port`; returns trimmed stdout.
    @discardableResult
    public static func psql(_ sql: String, port: Int, database: String = "postgres") throws -> String {
        guard let bin = PostgresServer.binDirectory else { throw TestFailure("no psql") }
        return try PostgresServer.run("\(bin)/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-c", sql])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs SQL with psql against the server on `port` (either node's); returns trimmed stdout.
    @discardableResult
    public func psql(_ sql: String, port: Int, database: String = "postgres") throws -> String {
        try Self.psql(sql, port: port, database: database)
    }

    /// Pauses WAL replay on the replica (`pg_wal_replay_pause()`) and waits until it has paused: from
    /// then on, writes on the primary reach the replica but are not visible there and its replay lag grows.
    public func pauseReplay() async throws {
        try replica.psql("select pg_wal_replay_pause()")
        try await Self.until("replay pauses on the replica", within: .seconds(10)) {
            try replica.psql("select pg_get_wal_replay_pause_state()") == "paused"
        }
    }

    /// Resumes WAL replay on the replica (`pg_wal_replay_resume()`).
    public func resumeReplay() throws {
        try replica.psql("select pg_wal_replay_resume()")
    }

    /// Waits until the replica has replayed everything the primary has written so far (its WAL insert
    /// position: with `synchronous_commit=off` a commit is in the WAL before it is written out).
    public func waitForReplay(within limit: Duration = .seconds(10)) async throws {
        let target = try primary.psql("select pg_current_wal_insert_lsn()")
        try await Self.until("the replica replays up to \(target)", within: limit) {
            try replica.psql("select pg_last_wal_replay_lsn() >= '\(target)'::pg_lsn") == "t"
        }
    }

    /// Waits until the replica has received (not necessarily replayed) everything the primary has written.
    public func waitForReceive(within limit: Duration = .seconds(10)) async throws {
        let target = try primary.psql("select pg_current_wal_insert_lsn()")
        try await Self.until("the replica receives up to \(target)", within: limit) {
            try replica.psql("select pg_last_wal_receive_lsn() >= '\(target)'::pg_lsn") == "t"
        }
    }

    /// Stops the primary the way a crash would (`pg_ctl stop -m immediate`).
    public func killPrimary() throws {
        guard let bin = PostgresServer.binDirectory else { throw TestFailure("no pg_ctl") }
        try PostgresServer.asPostgres("\(bin)/pg_ctl", ["-D", primary.dataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"])
    }

    /// Promotes the replica to primary (`pg_ctl promote -w`: returns once it accepts writes).
    public func promoteReplica() throws {
        guard let bin = PostgresServer.binDirectory else { throw TestFailure("no pg_ctl") }
        try PostgresServer.asPostgres("\(bin)/pg_ctl", ["-D", replica.dataDirectory, "-w", "-t", "30", "promote"])
    }

    /// Stops both servers (immediately: their data is deleted next) and deletes the directory.
    public func stop() {
        if let bin = PostgresServer.binDirectory {
            for node in [replica, primary] where FileManager.default.fileExists(atPath: node.dataDirectory + "/postmaster.pid") {
                _ = try? PostgresServer.asPostgres("\(bin)/pg_ctl", ["-D", node.dataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"])
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Polls `condition` every 50 ms until it holds; throws naming `what` after `limit`. A condition that
    /// throws counts as not yet.
    static func until(_ what: String, within limit: Duration, _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            do {
                if try condition() { return }
                lastError = nil
            } catch {
                lastError = error
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("timed out after \(limit) waiting until \(what)" + (lastError.map { ": \($0)" } ?? ""))
    }
}
