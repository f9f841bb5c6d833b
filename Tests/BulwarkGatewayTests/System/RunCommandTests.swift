import BulwarkTestSupport
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `bulwark run` end to end: the real binary supervising real python3 instances on loopback ports.
///
/// Every test kills what it started, even when it fails: the binary (SIGKILL when still running) and
/// every process whose command line names the test's own temp directory (the instances, which live in
/// their own process groups and would outlive a killed supervisor). The tests that start python3 run
/// only when it is on `PATH`.
@Suite(
    "bulwark run supervises the app's instances",
    .serialized,
    .timeLimit(.minutes(1))
)
struct RunCommandTests {
    @Test("--instances 2 -- python3 app.py: traffic reaches both instances, /api/processes lists them ready, their output is JSON lines on stdout", .needsPython3)
    func runsInstancesBehindTheGateway() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let base = try FreePorts.range(count: 4)
        let run = try LaunchedBulwark(fixture.commandLineArguments(instances: 2, portBase: base))
        defer { run.kill() }
        let (port, adminPort) = try await run.listeningPorts()

        let status = try await AdminAPI.processes(adminPort: adminPort) { $0.group("app")?.readyMembers.count == 2 }
        let group = try #require(status.group("app"))
        #expect(group.instances == 2)
        #expect(group.ready == 2)
        #expect(group.members.count == 2)
        #expect(group.members.allSatisfy { $0.state == "ready" && $0.pid != nil })
        #expect(Set(group.members.map(\.port)) == [base, base + 1])
        #expect(group.members.first { $0.port == base }?.id == "app.0#1")

        // Through the gateway: both instances answer, each with its own pid and port.
        var seen: [Int32: Int] = [:]
        for _ in 0..<40 where seen.count < 2 {
            let response = try await RawHTTP.request("GET", "/hello", port: port)
            #expect(response.status == 200)
            let reply = try #require(AppReply(response.body), "unexpected body: \(response.body)")
            #expect(reply.path == "/hello")
            seen[reply.pid] = reply.port
        }
        #expect(seen.count == 2, "only these instances answered: \(seen)")
        #expect(Set(seen.keys) == Set(group.members.compactMap(\.pid)))
        for member in group.members { #expect(seen[member.pid ?? -1] == member.port) }

        // Each instance's "listening on PORT" is a JSON line on stdout with the instance's id.
        for member in group.members {
            let line = try await run.outputLine(instance: member.id, line: "listening on \(member.port)")
            #expect(line["type"] as? String == "process_output")
            #expect(line["instance"] as? String == member.id)
            #expect((line["time"] as? String).map { !$0.isEmpty } == true)
        }
        let first = try await run.outputLine(instance: "app.0#1", line: "listening on \(base)")
        #expect(first["instance"] as? String == "app.0#1")
    }

    @Test("a second bulwark run with the same command line exits 1 naming the first one's pid", .needsPython3)
    func secondSupervisorRefuses() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let base = try FreePorts.range(count: 2)
        let arguments = fixture.commandLineArguments(instances: 1, portBase: base)
        let first = try LaunchedBulwark(arguments)
        defer { first.kill() }
        _ = try await first.listeningPorts()

        let second = try LaunchedBulwark(arguments)
        defer { second.kill() }
        #expect(try await second.waitForExit() == 1)
        let errors = try await second.errors.text(containing: "another bulwark run")
        #expect(errors.contains("another bulwark run (pid \(first.pid))"), "stderr: \(errors)")
        #expect(!errors.contains("bulwark listening"))
        #expect(first.process.isRunning)
    }

    @Test("a port held by another process: bulwark run exits 1 naming the port, the holder's pid and its name", .needsPython3)
    func portHeldByAnotherProcess() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let base = try FreePorts.range(count: 4)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "python3", "-c",
            "import socket, time; s = socket.socket(); s.bind(('127.0.0.1', \(base))); s.listen(); time.sleep(120)  # \(fixture.directory)",
        ]
        holder.standardInput = FileHandle.nullDevice
        try holder.run()
        defer { Glibc.kill(holder.processIdentifier, SIGKILL) }
        try await poll("the holder listens on \(base)") { RedisServer.accepts(port: base) }

        let run = try LaunchedBulwark(fixture.commandLineArguments(instances: 2, portBase: base))
        defer { run.kill() }
        #expect(try await run.waitForExit() == 1)
        let errors = try await run.errors.text(containing: "is in use")
        #expect(errors.contains("port \(base) is in use by pid \(holder.processIdentifier) (python3)"), "stderr: \(errors)")
        #expect(fixture.instancePIDs().filter { $0 != holder.processIdentifier }.isEmpty, "an instance was started anyway")
    }

    @Test("bulwark processes restart app: new instances on the spare ports, and every request during the restart gets 200", .needsPython3)
    func rollingRestartLosesNoRequest() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let base = try FreePorts.range(count: 4)
        let run = try LaunchedBulwark(fixture.commandLineArguments(instances: 2, portBase: base))
        defer { run.kill() }
        let (port, adminPort) = try await run.listeningPorts()
        let before = try await AdminAPI.processes(adminPort: adminPort) { $0.group("app")?.readyMembers.count == 2 }
        let oldPIDs = Set(try #require(before.group("app")).members.compactMap(\.pid))

        // Sequential GETs through the gateway for as long as the restart runs (bounded).
        let load = LoadRecorder()
        let loop = Task {
            let deadline = ContinuousClock.now + .seconds(40)
            while !load.isStopped, load.count < 5_000, ContinuousClock.now < deadline {
                do {
                    let response = try await RawHTTP.request("GET", "/load", port: port, timeout: .seconds(5))
                    load.record(LoadResult(status: response.status, pid: AppReply(response.body)?.pid, failure: nil))
                } catch {
                    load.record(LoadResult(status: nil, pid: nil, failure: "\(error)"))
                }
            }
        }
        defer {
            load.stop()
            loop.cancel()
        }
        try await poll("the load gets answers") { load.count >= 5 }

        let restart = try BinaryRunner(["processes", "restart", "app", "--admin", "http://127.0.0.1:\(adminPort)"])
        defer { restart.forceKill() }
        #expect(try await restart.waitForExit() == 0, "stderr: \(restart.standardError)")
        #expect(restart.standardOutput.contains("rolling restart of 'app' started"))

        let after = try await AdminAPI.processes(adminPort: adminPort, within: .seconds(30)) { status in
            guard let group = status.group("app"), group.members.count == 2 else { return false }
            return group.members.allSatisfy { $0.state == "ready" && $0.serial > 2 }
        }
        let group = try #require(after.group("app"))
        #expect(Set(group.members.map(\.port)) == [base + 2, base + 3])
        #expect(Set(group.members.map(\.slot)) == [0, 1])
        let newPIDs = Set(group.members.compactMap(\.pid))
        #expect(newPIDs.count == 2)
        #expect(newPIDs.isDisjoint(with: oldPIDs))
        // Keep the load on until both new instances have answered some of it, then stop it.
        try await poll("the new instances answer through the gateway") { load.pids.isSuperset(of: newPIDs) }
        load.stop()
        await loop.value
        let results = load.results
        let failed = results.filter { $0.status != 200 }
        #expect(results.count >= 20, "only \(results.count) requests ran during the restart")
        #expect(failed.isEmpty, "\(failed.count) of \(results.count) requests failed: \(failed.prefix(5))")
        #expect(!load.pids.isDisjoint(with: oldPIDs), "the load never reached the old instances")
        // The old instances are gone.
        try await poll("the old instances exit") { oldPIDs.allSatisfy { !ProcessTable.isAlive($0) } }
    }

    @Test("under systemd: READY=1 once the gateway accepts, STOPPING=1 on SIGTERM, exit 0, no instance left, instances without NOTIFY_SOCKET", .needsPython3)
    func notifiesSystemdAndStopsEverything() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let base = try FreePorts.range(count: 4)
        let receiver = try NotifySocketReceiver()
        let run = try LaunchedBulwark(
            fixture.commandLineArguments(instances: 2, portBase: base),
            environment: ["NOTIFY_SOCKET": receiver.notifySocket]
        )
        defer { run.kill() }

        let startup = try #require(await receiver.messages(until: "READY=1"), "no READY=1; stderr: \(run.errors.text)")
        // The listeners' banners come before READY=1, and the gateway accepts connections by then.
        let (port, adminPort) = try await run.listeningPorts(within: .milliseconds(500))
        #expect(RedisServer.accepts(port: port))
        #expect(startup.joined(separator: "\n").contains("STATUS=serving on port \(port), admin API on port \(adminPort)"))

        let status = try await AdminAPI.processes(adminPort: adminPort) { $0.group("app")?.readyMembers.count == 2 }
        let members = try #require(status.group("app")).members
        let pids = members.compactMap(\.pid)
        #expect(pids.count == 2)
        for member in members {
            let line = try await run.outputLine(instance: member.id) { $0.hasPrefix("notify=") }
            #expect(line["line"] as? String == "notify=none", "instance \(member.id) saw NOTIFY_SOCKET")
        }

        run.terminate()
        #expect(await receiver.messages(until: "STOPPING=1", within: .seconds(5)) != nil, "no STOPPING=1 after SIGTERM")
        #expect(try await run.waitForExit() == 0, "stderr: \(run.errors.text.suffix(2_000))")
        try await poll("every instance exits", within: .seconds(10)) { pids.allSatisfy { !ProcessTable.isAlive($0) } }
        #expect(fixture.instancePIDs().isEmpty)
    }

    @Test("bulwark serve refuses a file with a processes: section and points to bulwark run")
    func serveRefusesProcesses() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let base = try FreePorts.range(count: 2)
        let path = try fixture.writeConfiguration(processes: """
          app:
            command: ["python3", "\(fixture.appPath)"]
            port_base: \(base)
        """)
        let serve = try BinaryRunner(["serve", "--config", path])
        defer { serve.forceKill() }
        #expect(try await serve.waitForExit() == 1)
        let errors = serve.standardError
        #expect(errors.contains("bulwark run"), "stderr: \(errors)")
        #expect(errors.contains("processes"), "stderr: \(errors)")
        #expect(fixture.instancePIDs().isEmpty)
    }

    @Test("processes.app with logs: each slot's output rotates at max_size into KEEP files, 0600 in a 0700 directory", .needsPython3)
    func rotatesInstanceLogs() async throws {
        let fixture = try Fixture()
        defer { fixture.cleanUp() }
        let base = try FreePorts.range(count: 4)
        let logs = fixture.directory + "/logs"
        let path = try fixture.writeConfiguration(processes: """
          app:
            command: ["python3", "\(fixture.appPath)"]
            instances: 2
            port_base: \(base)
            env: { SPAM_LINES: "300" }
            ready: { http: /health }
            logs: { dir: "\(logs)", max_size: 4KiB, keep: 2 }
        """)
        let run = try LaunchedBulwark(["run", "--config", path])
        defer { run.kill() }
        let (_, adminPort) = try await run.listeningPorts()
        let status = try await AdminAPI.processes(adminPort: adminPort) { $0.group("app")?.readyMembers.count == 2 }
        let members = try #require(status.group("app")).members
        #expect(Set(members.map(\.port)) == [base, base + 1])

        for member in members {
            let name = "\(logs)/app.\(member.slot).log"
            // The last line the app prints before serving has reached the current file.
            try await poll("\(name) has the line 'listening on \(member.port)'") {
                (try? String(contentsOfFile: name, encoding: .utf8))?.contains("listening on \(member.port)\n") == true
            }
            for file in [name, name + ".1", name + ".2"] {
                let attributes = try FileManager.default.attributesOfItem(atPath: file)
                let size = try #require(attributes[.size] as? NSNumber).intValue
                #expect(size > 0, "\(file) is empty")
                #expect(size <= 4_096, "\(file) has \(size) bytes")
                #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(file)'s mode")
            }
            #expect(!FileManager.default.fileExists(atPath: name + ".3"), "more than keep: 2 rotated files")
            // The files are cut between lines: the oldest kept file starts with a whole line.
            let oldest = try String(contentsOfFile: name + ".2", encoding: .utf8)
            #expect(oldest.split(separator: "\n").allSatisfy { $0.count == 100 || $0.hasPrefix("notify=") })
        }
        let directory = try FileManager.default.attributesOfItem(atPath: logs)
        #expect((directory[.posixPermissions] as? NSNumber)?.intValue == 0o700, "the log directory's mode")
    }
}

// MARK: - The app

extension Trait where Self == ConditionTrait {
    /// Runs the test only when `python3` is on `PATH`.
    fileprivate static var needsPython3: Self {
        .enabled(if: python3Available, "python3 is not on PATH")
    }
}

/// Whether `python3` is on `PATH`.
private let python3Available = (ProcessInfo.processInfo.environment["PATH"] ?? "")
    .split(separator: ":")
    .contains { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }

/// The instances' app, run by python3: prints `notify=<NOTIFY_SOCKET or none>`, then `$SPAM_LINES` lines
/// of 100 characters, listens on `127.0.0.1:$PORT` and prints `listening on PORT`; answers every GET with
/// `PID PORT PATH`; on SIGTERM stops serving and exits 0.
private let appSource = #"""
import http.server, os, signal, socketserver, sys, threading

print("notify=" + os.environ.get("NOTIFY_SOCKET", "none"), flush=True)
for i in range(int(os.environ.get("SPAM_LINES", "0"))):
    print(f"{i:06d} " + "x" * 93)
sys.stdout.flush()
port = int(os.environ["PORT"])

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = f"{os.getpid()} {port} {self.path}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

server = Server(("127.0.0.1", port), Handler)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
print(f"listening on {port}", flush=True)
server.serve_forever()
server.server_close()
print("stopped", flush=True)
sys.exit(0)
"""#

/// An answer of the app: `PID PORT PATH`.
private struct AppReply {
    var pid: Int32
    var port: Int
    var path: String

    init?(_ body: String) {
        let fields = body.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 3, let pid = Int32(fields[0]), let port = Int(fields[1]) else { return nil }
        (self.pid, self.port, self.path) = (pid, port, fields[2].trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// One test's temp directory with the app in it. Everything the test started that names the directory
/// on its command line is killed by ``cleanUp()``.
private struct Fixture {
    let directory: String
    var appPath: String { directory + "/app.py" }

    init() throws {
        directory = NSTemporaryDirectory() + "bulwark-run-test-\(UUID().uuidString.prefix(12))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try appSource.write(toFile: appPath, atomically: true, encoding: .utf8)
    }

    /// `run --instances N --port-base B --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 -- python3 app.py`.
    func commandLineArguments(instances: Int, portBase: Int) -> [String] {
        [
            "run", "--instances", "\(instances)", "--port-base", "\(portBase)",
            "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--", "python3", appPath,
        ]
    }

    /// A configuration file with the given `processes:` entries, a route to `app`, and both listeners on
    /// ephemeral loopback ports.
    func writeConfiguration(processes: String) throws -> String {
        let path = directory + "/bulwark.yaml"
        let text = """
        server:
          listen: "127.0.0.1:0"
          access_log: "off"
        admin:
          listen: "127.0.0.1:0"
        processes:
        \(processes)
        routes:
          - { path_prefix: /, upstream: app }

        """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The live processes whose command line names this fixture's directory (the instances).
    func instancePIDs() -> [Int32] {
        ProcessTable.pids { $0.contains(directory) }.filter { $0 != getpid() }
    }

    /// Kills every process naming the directory, then removes it.
    func cleanUp() {
        for pid in instancePIDs() { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

// MARK: - The binary

/// A running `bulwark` whose standard output and error are read continuously into memory (instances'
/// output goes to its stdout: left unread, a full pipe would block the supervisor).
private final class LaunchedBulwark: Sendable {
    let process: Process
    let output: CapturedStream
    let errors: CapturedStream
    var pid: Int32 { process.processIdentifier }

    /// Starts `bulwark ARGUMENTS` with the test's environment (without systemd's variables) plus `environment`.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BinaryRunner.binaryPath)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "BULWARK_ADMIN_LISTEN"] { merged[name] = nil }
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard pipe(&out) == 0 else { throw TestFailure("pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&err) == 0 else {
            out.forEach { close($0) }
            throw TestFailure("pipe: \(String(cString: strerror(errno)))")
        }
        // Only the child's copies (dup2'd to 1 and 2) may outlive the spawn: not a later child's.
        for descriptor in out + err { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(fileDescriptor: out[1], closeOnDealloc: false)
        process.standardError = FileHandle(fileDescriptor: err[1], closeOnDealloc: false)
        do {
            try process.run()
        } catch {
            (out + err).forEach { close($0) }
            throw error
        }
        close(out[1])
        close(err[1])
        self.process = process
        self.output = CapturedStream(descriptor: out[0])
        self.errors = CapturedStream(descriptor: err[0])
    }

    func terminate() { Glibc.kill(pid, SIGTERM) }

    /// SIGKILL when still running.
    func kill() { if process.isRunning { Glibc.kill(pid, SIGKILL) } }

    /// Waits (bounded) for the exit status; kills the process and throws when it does not exit in time.
    func waitForExit(within limit: Duration = .seconds(20)) async throws -> Int32 {
        try await poll("bulwark exits", within: limit) { !self.process.isRunning }
        return process.terminationStatus
    }

    /// The gateway's and the admin API's bound ports, from their start-up banners on stderr.
    func listeningPorts(within limit: Duration = .seconds(20)) async throws -> (gateway: Int, admin: Int) {
        let text = try await errors.text(containing: "admin listening", and: "bulwark listening", within: limit)
        let lines = text.split(separator: "\n")
        let gateway = lines.first { $0.contains("bulwark listening") }.flatMap { BinaryRunner.port(in: String($0)) }
        let admin = lines.first { $0.contains("admin listening") }.flatMap {
            BinaryRunner.port(in: String($0), after: "admin_listen=127.0.0.1:")
        }
        guard let gateway, let admin else { throw TestFailure("no ports in the banners: \(text)") }
        return (gateway, admin)
    }

    /// The first JSON line on stdout of `instance` whose `line` satisfies `matches`, as an object.
    func outputLine(
        instance: String, within limit: Duration = .seconds(10), where matches: @escaping @Sendable (String) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + limit
        while true {
            for object in Self.jsonLines(output.text)
            where object["instance"] as? String == instance && (object["line"] as? String).map(matches) == true {
                return object
            }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("no output line of \(instance) matched within \(limit); stdout: \(output.text.suffix(3_000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func outputLine(instance: String, line: String) async throws -> [String: Any] {
        try await outputLine(instance: instance) { $0 == line }
    }

    static func jsonLines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{") else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }
}

/// A file descriptor read on a thread of its own until end of file; the bytes so far as text.
private final class CapturedStream: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    init(descriptor: Int32) {
        Thread.detachNewThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                bytes.withLock { $0.append(contentsOf: chunk[0..<count]) }
            }
            close(descriptor)
        }
    }

    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }

    /// The text once it contains every one of `markers` (bounded).
    func text(containing marker: String, and others: String..., within limit: Duration = .seconds(10)) async throws -> String {
        let markers = [marker] + others
        let deadline = ContinuousClock.now + limit
        while true {
            let text = self.text
            if markers.allSatisfy(text.contains) { return text }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("never printed \(markers) within \(limit): \(text.suffix(3_000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

// MARK: - The admin API

/// `GET /api/processes`, decoded.
private struct ProcessesStatus: Decodable {
    var supervised: Bool
    var processes: [Group]

    struct Group: Decodable {
        var name: String
        var instances: Int
        var ready: Int
        var members: [Member]
        var readyMembers: [Member] { members.filter { $0.state == "ready" } }
    }

    struct Member: Decodable {
        var id: String
        var slot: Int
        var port: Int
        var pid: Int32?
        var state: String
        /// The serial of `app.0#3`: 3.
        var serial: Int { id.split(separator: "#").last.flatMap { Int($0) } ?? 0 }
    }

    func group(_ name: String) -> Group? { processes.first { $0.name == name } }
}

private enum AdminAPI {
    /// Polls `GET /api/processes` until `done` holds (bounded) and returns that status.
    static func processes(
        adminPort: Int, within limit: Duration = .seconds(20), until done: (ProcessesStatus) -> Bool
    ) async throws -> ProcessesStatus {
        let deadline = ContinuousClock.now + limit
        var last = ""
        while true {
            let response = try await RawHTTP.request("GET", "/api/processes", port: adminPort, headers: [("X-Bulwark-Admin", "1")])
            last = "\(response.status) \(response.body)"
            if response.status == 200 {
                let status = try JSONDecoder().decode(ProcessesStatus.self, from: Data(response.body.utf8))
                #expect(status.supervised)
                if done(status) { return status }
            }
            guard ContinuousClock.now < deadline else { throw TestFailure("/api/processes never got there within \(limit); last: \(last)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

// MARK: - Ports, processes, waiting

/// A request of the load and how it went.
private struct LoadResult: Sendable {
    var status: Int?
    var pid: Int32?
    var failure: String?
}

/// The load's results so far, and whether it should stop; shared by the load's task and the test.
private final class LoadRecorder: Sendable {
    private let state = Mutex<(results: [LoadResult], stopped: Bool)>(([], false))

    var isStopped: Bool { state.withLock { $0.stopped } }
    var count: Int { state.withLock { $0.results.count } }
    var results: [LoadResult] { state.withLock { $0.results } }
    /// The pids of the instances that answered.
    var pids: Set<Int32> { Set(results.compactMap(\.pid)) }

    func record(_ result: LoadResult) { state.withLock { $0.results.append(result) } }
    func stop() { state.withLock { $0.stopped = true } }
}

private enum FreePorts {
    /// Ports handed out to this test process's tests, never handed out twice.
    private static let claimed = Mutex<Set<Int>>([])

    /// The first of `count` consecutive loopback ports that can all be bound now, chosen at random in
    /// 20000–60000 outside the kernel's ephemeral range (where port-0 listeners and outgoing connections
    /// take theirs).
    static func range(count: Int) throws -> Int {
        let ephemeral = ephemeralRange()
        for _ in 0..<500 {
            let base = Int.random(in: 20_000...(60_000 - count))
            let ports = base..<(base + count)
            guard !ports.overlaps(ephemeral) else { continue }
            let taken = claimed.withLock { claimed in
                guard claimed.isDisjoint(with: ports), ports.allSatisfy(canBind) else { return true }
                claimed.formUnion(ports)
                return false
            }
            if !taken { return base }
        }
        throw TestFailure("no \(count) consecutive free ports found in 20000–60000")
    }

    /// `/proc/sys/net/ipv4/ip_local_port_range` (32768–60999 when unreadable).
    private static func ephemeralRange() -> ClosedRange<Int> {
        let text = ProcessTable.read("/proc/sys/net/ipv4/ip_local_port_range") ?? ""
        let bounds = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return 32_768...60_999 }
        return bounds[0]...bounds[1]
    }

    /// Whether `127.0.0.1:port` can be bound (without `SO_REUSEADDR`, so lingering connections count too).
    private static func canBind(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

private enum ProcessTable {
    /// The pids whose command line (arguments joined by spaces) satisfies `matches`.
    static func pids(where matches: (String) -> Bool) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { Int32($0) }.filter { pid in
            guard isAlive(pid), let line = read("/proc/\(pid)/cmdline") else { return false }
            return matches(line.replacingOccurrences(of: "\u{0}", with: " "))
        }
    }

    /// Whether `pid` exists and is not a zombie (an exited process nobody reaped is not running anything).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// A `/proc` file's text (they report size 0: read until end of file); `nil` when unreadable.
    static func read(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { Glibc.close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Polls `condition` every 20 ms until it holds; throws naming `what` after `limit`.
private func poll(_ what: String, within limit: Duration = .seconds(20), _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(limit) waiting until \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
