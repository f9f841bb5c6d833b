import BulwarkDemo
import BulwarkTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The durable audit log end to end (issue 21), through the real `bulwark` binary: a real PostgreSQL
/// stopped and started under load, the gateway SIGKILLed mid-run and restarted on the same journal, and a
/// journal that cannot grow (`ulimit -f`, SIGXFSZ ignored). Serialized: each test starts its own servers,
/// and two at once would starve each other's timers on two cores.
@Suite("Audit log: crash, database outages and a full disk, end to end", .serialized, .timeLimit(.minutes(2)))
struct AuditCrashLiveTests {
    /// Concurrent clients of the crash test; each has at most one request in flight.
    static let clients = 4
    /// Audited POSTs the crash test sends (including those refused while the gateway is down).
    static let requests = 3_000

    @Test(
        "3,000 audited POSTs through two PostgreSQL restarts and a SIGKILL: one row per answered request, no duplicates, verify passes",
        .enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)")
    )
    func crashAndDatabaseOutages() async throws {
        let postgres = try await PostgresServer.start()
        defer { postgres.stop() }
        let app = try await DemoUpstream.start { request in DemoReply(body: request.header("X-Request-ID") ?? "") }
        defer { Task { await app.stop() } }
        let work = try WorkDirectory()
        defer { work.remove() }
        let port = try RedisServer.freePort()
        let config = try work.write("bulwark.yaml", """
        server: { listen: "127.0.0.1:\(port)", access_log: "off" }
        admin: { listen: "127.0.0.1:0" }
        upstreams: { app: { targets: ["http://127.0.0.1:\(app.port)"] } }
        routes:
          - { name: orders, path_prefix: /, upstream: app }
        audit:
          journal: "\(work.path)/journal"
          database_url: "\(postgres.url())"
          durability: sync
          ship_interval: 100ms
        """)
        var gateway = try ServeChild(config: config)
        defer { gateway.kill() }
        _ = try await gateway.waitUntilListening()

        let ledger = Ledger()
        let load = Task { try await Self.sendAuditedPOSTs(port: port, ledger: ledger) }
        defer { load.cancel() }

        // The outages, each once a number of requests were answered (bounded: the load stops on its own).
        try await ledger.waitForAnswers(500)
        try await PostgresControl.stop(postgres)
        try await ledger.waitForAnswers(900)
        try await PostgresControl.start(postgres)
        try await ledger.waitForAnswers(1_500)
        ledger.setGatewayDown(true)
        gateway.kill()
        try await gateway.waitForExit()
        gateway = try ServeChild(config: config)
        _ = try await gateway.waitUntilListening()
        ledger.setGatewayDown(false)
        try await ledger.waitForAnswers(2_000)
        try await PostgresControl.stop(postgres)
        try await ledger.waitForAnswers(2_400)
        try await PostgresControl.start(postgres)
        try await load.value

        let outcome = ledger.outcome
        #expect(outcome.answered.count + outcome.failed.count + outcome.otherAnswers.count == Self.requests)
        #expect(outcome.otherAnswers.isEmpty, "complete answers that were not the app's 200: \(outcome.otherAnswers.prefix(5))")
        #expect(outcome.unexpectedFailures.isEmpty, "requests that failed while the gateway was up: \(outcome.unexpectedFailures.prefix(5))")
        #expect(outcome.answered.count > Self.requests / 2)

        // The shipper catches up by itself once PostgreSQL is back (bounded wait).
        let answered = outcome.answered
        let shipped = try await eventually(within: .seconds(45)) {
            guard let rows = try? Table.rowsPerRequestID(postgres) else { return false }
            return answered.isSubset(of: Set(rows.keys))
        }
        #expect(shipped, "the shipper did not catch up within 45 s")
        let rows = try Table.rowsPerRequestID(postgres)
        let missing = answered.subtracting(rows.keys)
        let doubled = rows.filter { $0.value != 1 }
        let extra = Set(rows.keys).subtracting(answered)
        #expect(missing.isEmpty, "answered requests with no row: \(missing.count), e.g. \(missing.prefix(5))")
        #expect(doubled.isEmpty, "request ids with more than one row: \(doubled.prefix(5))")
        // Only a request in flight at the kill may have a row without an answer: one per client at most.
        #expect(extra.isSubset(of: outcome.failed), "rows for requests never sent: \(extra.subtracting(outcome.failed).prefix(5))")
        #expect(extra.count <= Self.clients, "rows for unanswered requests: \(extra.count)")
        #expect(try Table.duplicateIDs(postgres) == 0)

        // A graceful stop, then `bulwark audit verify` on the journal the two processes wrote.
        gateway.terminate()
        #expect(try await gateway.waitForExit() == 0)
        let verify = try BinaryRunner(["audit", "verify", "--config", config])
        let status = try await verify.waitForExit(within: .seconds(30))
        #expect(status == 0, "bulwark audit verify: \(verify.standardOutput) \(verify.standardError)")
        #expect(work.looseModes(under: "journal").isEmpty, "journal entries readable by others: \(work.looseModes(under: "journal"))")
    }

    @Test("A journal that cannot grow (ulimit -f), on_failure: reject: audited POSTs get 503, GETs pass, audit_unavailable is raised")
    func diskFullRejects() async throws {
        try await diskFull(onFailure: "reject")
    }

    @Test("A journal that cannot grow (ulimit -f), on_failure: pass: audited POSTs still pass, audit_unavailable is raised")
    func diskFullPasses() async throws {
        try await diskFull(onFailure: "pass")
    }

    func diskFull(onFailure: String) async throws {
        // POSTs get their own request id back; GETs "get" (the gateway gives every request an id upstream).
        let app = try await DemoUpstream.start { request in DemoReply(body: request.method == "POST" ? request.header("X-Request-ID") ?? "" : "get") }
        defer { Task { await app.stop() } }
        let work = try WorkDirectory()
        defer { work.remove() }
        let config = try work.write("bulwark.yaml", """
        server: { listen: "127.0.0.1:0", access_log: "off" }
        admin: { listen: "127.0.0.1:0" }
        alerts: { interval: 50ms }
        upstreams: { app: { targets: ["http://127.0.0.1:\(app.port)"] } }
        routes:
          - { name: orders, path_prefix: /, upstream: app }
        audit:
          journal: "\(work.path)/journal"
          durability: sync
          segment_size: 1MiB
          on_failure: \(onFailure)
        """)
        // 64 blocks of 1 KiB: every file the gateway writes stops at 64 KiB, the journal's segment (1 MiB
        // allowed) included; with SIGXFSZ ignored a write past it fails with EFBIG instead of killing it.
        let gateway = try ServeChild(config: config, limit: "trap '' XFSZ; ulimit -f 64")
        defer { gateway.kill() }
        let (port, adminPort) = try await gateway.waitUntilListening()

        let get = try await RawHTTP.request("GET", "/orders", port: port)
        #expect(get.status == 200)
        // Each audited request takes two records of a few hundred bytes: the limit is reached within a
        // few hundred requests.
        var answered = 0
        var firstRefusal: Int?
        var alertSeen = false
        for index in 0..<1_500 {
            let id = "full-\(index)"
            let response = try await RawHTTP.request("POST", "/orders", port: port, headers: [("X-Request-ID", id)], body: #"{"n":\#(index)}"#)
            if response.status == 200, response.body == id {
                answered += 1
            } else {
                firstRefusal = index
                #expect(response.status == 503, "POST \(id) got \(response.status) \(response.body)")
                break
            }
            if onFailure == "pass", index % 25 == 24, try await Self.auditAlertIsOpen(adminPort: adminPort) {
                alertSeen = true
                break
            }
        }
        #expect(answered > 0, "no audited request passed before the journal was full")
        if onFailure == "reject" {
            #expect(firstRefusal != nil, "the journal never filled up under ulimit -f 64")
        } else {
            #expect(firstRefusal == nil, "an audited request was refused under on_failure: pass")
            #expect(alertSeen, "audit_unavailable was never raised under on_failure: pass")
        }

        // From now on: audited requests refused (reject) or passed (pass), unaudited ones always pass.
        for index in 0..<5 {
            let id = "after-\(index)"
            let post = try await RawHTTP.request("POST", "/orders", port: port, headers: [("X-Request-ID", id)], body: "{}")
            if onFailure == "reject" {
                #expect(post.status == 503, "POST after the journal filled: \(post.status)")
                #expect(post.body != id)
            } else {
                #expect(post.status == 200 && post.body == id, "POST after the journal filled: \(post.status)")
            }
            let get = try await RawHTTP.request("GET", "/orders/\(index)", port: port)
            #expect(get.status == 200 && get.body == "get", "GET after the journal filled: \(get.status)")
        }
        #expect(try await eventually(within: .seconds(10)) { try await Self.auditAlertIsOpen(adminPort: adminPort) })
        let alerts = try await Self.alerts(adminPort: adminPort).filter { $0["rule"] as? String == "audit_unavailable" }
        #expect(alerts.first?["severity"] as? String == "critical")
        #expect(gateway.isRunning, "the gateway died under the file-size limit")
    }

    // MARK: - Helpers

    static func alerts(adminPort: Int) async throws -> [[String: Any]] {
        let response = try await RawHTTP.request("GET", "/api/alerts", port: adminPort)
        let body = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return body?["alerts"] as? [[String: Any]] ?? []
    }

    static func auditAlertIsOpen(adminPort: Int) async throws -> Bool {
        try await alerts(adminPort: adminPort).contains { $0["rule"] as? String == "audit_unavailable" && $0["status"] as? String == "open" }
    }

    /// ``clients`` loops sending `POST /orders/N` with `X-Request-ID: crash-N` (each id once) until
    /// ``requests`` ids were used; each result goes to `ledger`.
    static func sendAuditedPOSTs(port: Int, ledger: Ledger) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    while let number = ledger.nextNumber(limit: requests) {
                        try Task.checkCancellation()
                        let id = "crash-\(number)"
                        let downAtStart = ledger.gatewayDown
                        do {
                            let response = try await RawHTTP.request(
                                "POST", "/orders/\(number)", port: port, headers: [("X-Request-ID", id)], body: #"{"order":\#(number)}"#,
                                timeout: .seconds(10)
                            )
                            if response.status == 200, response.body == id {
                                ledger.answered(id)
                            } else if response.status == 200 {
                                // A cut-short body is not a complete answer.
                                ledger.failed(id, expected: downAtStart || ledger.gatewayDown)
                            } else {
                                ledger.answered(id, otherStatus: response.status)
                            }
                        } catch {
                            ledger.failed(id, expected: downAtStart || ledger.gatewayDown)
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

extension AuditCrashLiveTests {
    /// What happened to every request id of the crash test.
    final class Ledger: Sendable {
        struct Outcome: Sendable {
            /// Ids answered with the app's 200 and their own id as the whole body.
            var answered: Set<String> = []
            /// Ids answered completely with another status.
            var otherAnswers: [String: Int] = [:]
            /// Ids with no complete answer.
            var failed: Set<String> = []
            /// Of `failed`, those that failed while the gateway was up the whole time.
            var unexpectedFailures: Set<String> = []
            /// The next request number to send.
            var next = 0
            /// Whether the gateway is being killed and restarted.
            var gatewayDown = false
        }

        private let state = Mutex(Outcome())

        var outcome: Outcome { state.withLock { $0 } }
        var gatewayDown: Bool { state.withLock { $0.gatewayDown } }

        func setGatewayDown(_ down: Bool) { state.withLock { $0.gatewayDown = down } }

        func nextNumber(limit: Int) -> Int? {
            state.withLock { state in
                guard state.next < limit else { return nil }
                defer { state.next += 1 }
                return state.next
            }
        }

        func answered(_ id: String, otherStatus: Int? = nil) {
            state.withLock { state in
                if let otherStatus { state.otherAnswers[id] = otherStatus } else { state.answered.insert(id) }
            }
        }

        func failed(_ id: String, expected: Bool) {
            state.withLock { state in
                state.failed.insert(id)
                if !expected { state.unexpectedFailures.insert(id) }
            }
        }

        /// Waits until `count` requests were answered, or the load is over; bounded.
        func waitForAnswers(_ count: Int, within limit: Duration = .seconds(60)) async throws {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                let (answered, done) = state.withLock { ($0.answered.count, $0.next >= AuditCrashLiveTests.requests) }
                if answered >= count || done { return }
                try await Task.sleep(for: .milliseconds(10))
            }
            throw TestFailure("only \(outcome.answered.count) of \(count) requests answered within \(limit)")
        }
    }

    /// The shipper's table, read with psql.
    enum Table {
        static let name = "audit_events"

        /// How many rows each request id has (rows without one, such as admin actions, left out).
        static func rowsPerRequestID(_ postgres: PostgresServer) throws -> [String: Int] {
            let output = try postgres.psql("SELECT request_id, count(*) FROM \(name) WHERE request_id IS NOT NULL GROUP BY request_id")
            var rows: [String: Int] = [:]
            for line in output.split(separator: "\n") {
                let fields = line.split(separator: "|")
                guard fields.count == 2, let count = Int(fields[1]) else { continue }
                rows[String(fields[0])] = count
            }
            return rows
        }

        /// Rows whose event id another row has too.
        static func duplicateIDs(_ postgres: PostgresServer) throws -> Int {
            let output = try postgres.psql("SELECT count(*) - count(DISTINCT id) FROM \(name)")
            return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
    }

    /// Stops and starts the test's PostgreSQL on its data directory, port and socket directory (the data is
    /// kept, unlike ``PostgresServer/stop()``). `pg_ctl` runs on its own thread, off the cooperative pool.
    enum PostgresControl {
        static func stop(_ server: PostgresServer) async throws {
            try await pgCtl(server, ["-m", "fast", "-w", "-t", "30", "stop"])
        }

        static func start(_ server: PostgresServer) async throws {
            try await pgCtl(server, [
                "-l", server.directory.appendingPathComponent("log").path, "-w", "-t", "60",
                "-o", "-p \(server.port) -k \(server.directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                "start",
            ])
        }

        static func pgCtl(_ server: PostgresServer, _ arguments: [String]) async throws {
            guard let bin = PostgresServer.binDirectory else { throw TestFailure("no pg_ctl") }
            let command = ["\(bin)/pg_ctl", "-D", server.directory.appendingPathComponent("data").path] + arguments
            let (executable, argv) = getuid() == 0 ? ("/usr/sbin/runuser", ["-u", "postgres", "--"] + command) : (command[0], Array(command.dropFirst()))
            let status = try await AuditCrashLiveTests.onThread {
                let null = open("/dev/null", O_RDWR)
                defer { close(null) }
                return try ChildProcess.spawn(executable, argv, environment: ProcessInfo.processInfo.environment, stdin: null, stdout: null, stderr: null).wait()
            }
            guard status == 0 else { throw TestFailure("pg_ctl \(arguments.last ?? "") failed (\(status))") }
        }
    }

    /// Runs blocking `work` on a thread of its own.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
        }
    }

    /// `bulwark serve --config PATH` as a child, optionally behind a bash prelude (`ulimit`, `trap`), with
    /// its stderr read all along (a full pipe would stall its logging).
    final class ServeChild: @unchecked Sendable {
        private let process = Process()
        private let errors = Pipe()
        private let log = Mutex("")

        init(config: String, limit prelude: String? = nil) throws {
            if let prelude {
                process.executableURL = URL(fileURLWithPath: "/bin/bash")
                process.arguments = ["-c", "\(prelude); exec \"$0\" \"$@\"", BinaryRunner.binaryPath, "serve", "--config", config]
            } else {
                process.executableURL = URL(fileURLWithPath: BinaryRunner.binaryPath)
                process.arguments = ["serve", "--config", config]
            }
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            Thread.detachNewThread { [self] in
                let handle = errors.fileHandleForReading
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    log.withLock { $0 += String(decoding: data, as: UTF8.self) }
                }
            }
        }

        var output: String { log.withLock { $0 } }
        var isRunning: Bool { process.isRunning }

        /// Waits (bounded) for both listeners; returns the gateway's and the admin API's ports.
        @discardableResult
        func waitUntilListening(within limit: Duration = .seconds(30)) async throws -> (port: Int, adminPort: Int) {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                let text = output
                if text.contains("bulwark listening"), text.contains("admin listening"),
                    let port = BinaryRunner.port(in: text),
                    let admin = BinaryRunner.port(in: text, after: "admin_listen=127.0.0.1:")
                {
                    return (port, admin)
                }
                if !process.isRunning { throw TestFailure("bulwark serve exited (\(process.terminationStatus)): \(text.suffix(2_000))") }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw TestFailure("bulwark serve did not start within \(limit): \(output.suffix(2_000))")
        }

        /// SIGKILL, as a crash.
        func kill() { if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) } }
        func terminate() { Glibc.kill(process.processIdentifier, SIGTERM) }

        /// Waits (bounded) for the exit; returns the status (the signal's number when killed).
        @discardableResult
        func waitForExit(within limit: Duration = .seconds(20)) async throws -> Int32 {
            let deadline = ContinuousClock.now + limit
            while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            guard !process.isRunning else {
                kill()
                throw TestFailure("bulwark serve did not exit within \(limit): \(output.suffix(2_000))")
            }
            return process.terminationStatus
        }
    }

    /// A 0700 temp directory for one test's configuration and journal.
    struct WorkDirectory {
        let path: String

        init() throws {
            path = NSTemporaryDirectory() + "bulwark-audit-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }

        func write(_ name: String, _ text: String) throws -> String {
            let file = "\(path)/\(name)"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }

        /// Entries under `folder` readable or writable by group or others (`path mode`).
        func looseModes(under folder: String) -> [String] {
            let root = "\(path)/\(folder)"
            let names = [""] + ((try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? [])
            return names.compactMap { name in
                let full = name.isEmpty ? root : "\(root)/\(name)"
                let mode = ((try? FileManager.default.attributesOfItem(atPath: full))?[.posixPermissions] as? Int) ?? 0
                return mode & 0o077 == 0 ? nil : "\(full) \(String(mode, radix: 8))"
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }
}
