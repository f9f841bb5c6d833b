import Foundation

/// The outside programs the report tests check their output with (Chromium, a Python with
/// `jsonschema`), found on this machine or, under `CI=true`, required.
enum ExternalTool {
    /// Whether `CI=true`: then a missing tool is a failure, not a skip.
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Headless Chromium (Debian's `chromium`).
    static var chromium: String? { which("chromium") ?? which("chromium-browser") }

    /// The Python that CI installs with `moto[server]` and `jsonschema` (`.ci/run`), when `jsonschema`
    /// is among its packages.
    static var python: String? {
        let root = "/opt/bulwark-moto"
        guard FileManager.default.isExecutableFile(atPath: "\(root)/bin/python") else { return nil }
        let libraries = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/lib")) ?? []
        let hasSchema = libraries.contains { FileManager.default.fileExists(atPath: "\(root)/lib/\($0)/site-packages/jsonschema") }
        return hasSchema ? "\(root)/bin/python" : nil
    }

    /// The path of `tool` on PATH, or nil.
    static func which(_ tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Runs `path` with `arguments`; returns its exit status and its output (stdout and stderr together).
    /// Killed after `limit`.
    static func run(_ path: String, _ arguments: [String], limit: Duration = .seconds(60)) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-bench-tool-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-bench-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
