import Foundation

/// Runs the built `bulwark` executable (next to the test bundle) as a child process.
public final class BinaryRunner: @unchecked Sendable {
    public let process = Process()
    private let stderrPipe = Pipe()
    private let stdoutPipe = Pipe()

    public static var binaryPath: String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("bulwark").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return ".build/debug/bulwark"
    }

    /// The port after `field` (the gateway's ` listen=127.0.0.1:` by default) in the start-up banner.
    public static func port(in banner: String, after field: String = " listen=127.0.0.1:") -> Int? {
        banner.split(separator: field).last.flatMap { Int($0.prefix { $0.isNumber }) }
    }

    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        process.standardError = stderrPipe
        process.standardOutput = stdoutPipe
        try process.run()
    }

    /// Waits (bounded) for the process to exit and returns its status; kills it if it does not.
    public func waitForExit(within limit: Duration = .seconds(20)) async throws -> Int32 {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            throw TestFailure("bulwark did not exit within \(limit)")
        }
        return process.terminationStatus
    }

    public var standardError: String { String(decoding: stderrPipe.fileHandleForReading.availableData, as: UTF8.self) }
    public var standardOutput: String { String(decoding: stdoutPipe.fileHandleForReading.availableData, as: UTF8.self) }

    /// Reads stderr until a line contains `marker`, returning everything read (bounded).
    public func readError(until marker: String, within limit: Duration = .seconds(20)) async throws -> String {
        let handle = stderrPipe.fileHandleForReading
        let collected = Task.detached { () -> String in
            var text = ""
            while !text.contains(marker) {
                let data = handle.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            return text
        }
        let timeout = Task {
            try await Task.sleep(for: limit)
            kill(self.process.processIdentifier, SIGKILL)
        }
        let text = await collected.value
        timeout.cancel()
        guard text.contains(marker) else { throw TestFailure("bulwark never printed '\(marker)'; stderr: \(text)") }
        return text
    }

    public func terminate() { kill(process.processIdentifier, SIGTERM) }
    public func forceKill() { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
