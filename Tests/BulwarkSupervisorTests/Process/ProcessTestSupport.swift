import BulwarkSupervisor
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child started for a test: its exit is awaited and its output pumped from the start, and
/// ``finish()`` kills its whole group and reaps it whatever the test did.
final class TestChild: Sendable {
    let child: LaunchedChild
    let exit: Task<ProcessGroupMachine.ExitStatus, Never>
    let output: Task<[String], Never>

    var pid: Int32 { child.pid }

    init(_ command: [String], environment: [String: String] = ProcessInfo.processInfo.environment, workingDirectory: String? = nil, logFile: RotatingLogFile? = nil) throws {
        let child = try ChildProcess.launch(command: command, environment: environment, workingDirectory: workingDirectory)
        self.child = child
        exit = Task { await child.waitForExit() }
        let lines = LineCollector()
        output = Task {
            await OutputPump(logFile: logFile) { lines.append($0) }.run(child.output)
            return lines.lines
        }
        self.lines = lines
    }

    let lines: LineCollector

    /// Whether `python3` can be run (the tests that need it are skipped otherwise).
    static let hasPython3: Bool = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").contains { access("\($0)/python3", X_OK) == 0 }
    }()

    /// Runs `body` with a child of `command`, then kills what is left of its group and reaps it.
    static func with<T>(_ command: [String], environment: [String: String] = ProcessInfo.processInfo.environment, workingDirectory: String? = nil, logFile: RotatingLogFile? = nil, _ body: (TestChild) async throws -> T) async throws -> T {
        let child = try TestChild(command, environment: environment, workingDirectory: workingDirectory, logFile: logFile)
        do {
            let result = try await body(child)
            await child.finish()
            return result
        } catch {
            await child.finish()
            throw error
        }
    }

    /// Kills the group, reaps the child, waits for the end of its output.
    func finish() async {
        ChildProcess.signalGroup(pid, SIGKILL)
        _ = await exit.value
        _ = await output.value
    }

    /// Waits (bounded) until a line for which `matches` holds has arrived; `false` after `timeout`.
    func waitForLine(timeout: Duration = .seconds(10), where matches: @escaping @Sendable (String) -> Bool) async -> Bool {
        await lines.wait(timeout: timeout, for: matches)
    }
}

/// The lines a pump delivered; lets a test await one of them.
final class LineCollector: Sendable {
    private struct Waiter {
        var matches: @Sendable (String) -> Bool
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var lines: [String] = []
        var waiters: [UUID: Waiter] = [:]
        var abandoned: Set<UUID> = []
    }

    private let state = Mutex(State())

    var lines: [String] { state.withLock { $0.lines } }

    func append(_ line: String) {
        let ready = state.withLock { state in
            state.lines.append(line)
            let ready = state.waiters.filter { $0.value.matches(line) }
            for id in ready.keys { state.waiters[id] = nil }
            return ready.values.map(\.continuation)
        }
        ready.forEach { $0.resume(returning: true) }
    }

    /// `true` once a line matches, `false` after `timeout`.
    func wait(timeout: Duration, for matches: @escaping @Sendable (String) -> Bool) async -> Bool {
        let id = UUID()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let answer: Bool? = self.state.withLock { state in
                        if state.lines.contains(where: matches) { return true }
                        if state.abandoned.contains(id) { return false }
                        state.waiters[id] = Waiter(matches: matches, continuation: continuation)
                        return nil
                    }
                    if let answer { continuation.resume(returning: answer) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            let pending = state.withLock { state in
                state.abandoned.insert(id)
                return state.waiters.removeValue(forKey: id)
            }
            pending?.continuation.resume(returning: false)
            group.cancelAll()
            await group.waitForAll()
            return first
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes (for state only `/proc` shows).
func pollUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// A fresh directory under the system's temporary directory, removed after `body`.
func withScratchDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-process-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
