@testable import BulwarkAudit
import BulwarkTestSupport
import Foundation
import Logging

/// Builders shared by the shipper, query and AuditLog tests.
enum ShipperFixtures {
    static let logger = Logger(label: "bulwark.audit.test")

    /// Records chained from sequence `first` after `previous`.
    static func records(_ entries: [AuditEntry], first: UInt64 = 1, previous: [UInt8] = AuditChain.genesis) throws -> [AuditRecord] {
        var hash = previous
        return try entries.enumerated().map { offset, entry in
            let record = try AuditRecord.encode(entry, sequence: first + UInt64(offset), previousHash: hash).record
            hash = record.hash
            return record
        }
    }

    /// A request entry at `milliseconds` with the usual fields.
    static func request(at milliseconds: Int64, actor: String = "alice", route: String = "orders", status: Int = 201) -> AuditEntry {
        let time = Date(auditMilliseconds: milliseconds)
        var entry = AuditEntry(kind: .request, id: AuditEventID(time: time), time: time)
        entry.actor = actor
        entry.client = "127.0.0.1"
        entry.requestID = UUID().uuidString
        entry.method = "POST"
        entry.path = "/\(route)"
        entry.route = route
        entry.status = status
        entry.target = "127.0.0.1:3001"
        return entry
    }

    /// The `completed` record of `request`.
    static func completion(of request: AuditEntry, bytes: Int = 42) -> AuditEntry {
        var entry = AuditEntry(kind: .completed, id: request.id, time: request.time)
        entry.durationMilliseconds = 3.5
        entry.responseBodySHA256 = String(repeating: "ab", count: 32)
        entry.requestBodySHA256 = String(repeating: "cd", count: 32)
        entry.responseBytes = bytes
        entry.outcome = "complete"
        return entry
    }

    /// A temporary directory (0700) for a journal.
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-audit-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return path
    }

    /// A fresh database on `server` (one per test, so tests do not see each other's rows).
    static func database(on server: PostgresServer) throws -> String {
        let name = "audit_\(UUID().uuidString.prefix(8).lowercased())"
        try server.psql("CREATE DATABASE \(name)")
        return name
    }
}

/// Stops and starts a test server's postmaster in place (the data directory stays), as `pg_ctl` does.
enum PostgresOutage {
    static func stop(_ server: PostgresServer) throws {
        try pgctl(server, ["-m", "fast", "-w", "-t", "30", "stop"])
    }

    static func start(_ server: PostgresServer) throws {
        try pgctl(server, [
            "-l", server.directory.appendingPathComponent("log").path, "-w", "-t", "60",
            "-o", "-p \(server.port) -k \(server.directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "start",
        ])
    }

    private static func pgctl(_ server: PostgresServer, _ arguments: [String]) throws {
        guard let bin = PostgresServer.binDirectory else { throw TestFailure("no pg_ctl") }
        let data = server.directory.appendingPathComponent("data").path
        let command = ["\(bin)/pg_ctl", "-D", data] + arguments
        let argv = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command
        // posix_spawn and waitpid on that pid (Foundation's Process can miss the exit here), output to
        // /dev/null: the postmaster `pg_ctl start` leaves behind would keep a pipe open.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor in [Int32(0), 1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw TestFailure("cannot start pg_ctl: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard status == 0 else { throw TestFailure("pg_ctl \(arguments.last ?? "") failed (\(status))") }
    }
}
