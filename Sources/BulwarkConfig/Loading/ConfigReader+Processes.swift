import Foundation
import Yams

/// The `processes:` section: the app instances `bulwark run` starts, watches and restarts, and the
/// upstreams whose targets they are. The reader checks syntax here; the ranges and the checks across
/// sections are ``BulwarkConfiguration/processValidationIssues()``, shared with configurations built in code.
extension ConfigReader {
    static let processGroupKeys = ["command", "instances", "port_base", "env", "cwd", "ready", "restart", "max_memory", "memory_grace", "stop", "logs"]

    /// Reads the groups of `processes:` (`entries`, from ``namedEntries(_:at:)``) into `configuration`,
    /// adds an upstream with default settings for each name that has none, then runs the checks.
    /// Call it after `server`, `admin` and `upstreams` are read and before `routes`.
    mutating func readProcesses(_ entries: [(String, Node)], into configuration: inout BulwarkConfiguration) {
        configuration.processes = entries.compactMap { readProcessGroup(name: $0.0, $0.1) }
        for (name, _) in entries where configuration.upstream(named: name) == nil {
            configuration.upstreams.append(.processBacked(name: name))
        }
        for issue in configuration.processValidationIssues() { report(issue.keyPath, issue.problem) }
    }

    /// One group; nil when `command` or `port_base` is missing or unreadable (other keys are still read,
    /// so their problems are reported too).
    private mutating func readProcessGroup(name: String, _ node: Node) -> ProcessGroupSettings? {
        let path = "processes.\(name)"
        guard let entries = mapping(node, at: path, allowed: Self.processGroupKeys) else { return nil }
        let command = readCommand(entries["command"], at: "\(path).command")
        let portBase = entries["port_base"].flatMap { int($0, at: "\(path).port_base", in: Int.min...Int.max) }
        if entries["port_base"] == nil {
            report("\(path).port_base", "missing: the first instance's port, e.g. 3001 (the group uses port_base … port_base + 2 × instances − 1)")
        }
        var group = ProcessGroupSettings(name: name, command: command ?? [], portBase: portBase ?? 0)
        if let value = int(entries["instances"], at: "\(path).instances", in: Int.min...Int.max) { group.instances = value }
        if let node = entries["env"] {
            for (key, value) in namedEntries(node, at: "\(path).env") {
                if let text = string(value, at: "\(path).env.\(key)") { group.environment[key] = text }
            }
        }
        group.workingDirectory = string(entries["cwd"], at: "\(path).cwd")
        if let node = entries["ready"] { readReadiness(node, at: "\(path).ready", into: &group) }
        if let node = entries["restart"], let restart = mapping(node, at: "\(path).restart", allowed: ["backoff", "max_restarts", "window"]) {
            if let backoff = value(restart["backoff"], at: "\(path).restart.backoff", Self.parseBackoff) {
                (group.backoffMinimum, group.backoffMaximum) = backoff
            }
            if let value = int(restart["max_restarts"], at: "\(path).restart.max_restarts", in: Int.min...Int.max) { group.maxRestarts = value }
            if let value = duration(restart["window"], at: "\(path).restart.window") { group.restartWindow = value }
        }
        group.maxMemory = value(entries["max_memory"], at: "\(path).max_memory", ByteSizeSyntax.parse)
        if let grace = duration(entries["memory_grace"], at: "\(path).memory_grace", minimum: .seconds(1)) { group.memoryGrace = grace }
        if let node = entries["stop"], let stop = mapping(node, at: "\(path).stop", allowed: ["signal", "timeout"]) {
            if let signal = value(stop["signal"], at: "\(path).stop.signal", Self.parseStopSignal) { group.stopSignal = signal }
            if let value = duration(stop["timeout"], at: "\(path).stop.timeout") { group.stopTimeout = value }
        }
        if let node = entries["logs"], let logs = mapping(node, at: "\(path).logs", allowed: ["dir", "max_size", "keep"]) {
            group.logDirectory = string(logs["dir"], at: "\(path).logs.dir")
            if let value = value(logs["max_size"], at: "\(path).logs.max_size", ByteSizeSyntax.parse) { group.logMaxBytes = value }
            if let value = int(logs["keep"], at: "\(path).logs.keep", in: Int.min...Int.max) { group.logKeep = value }
        }
        guard command != nil, portBase != nil else { return nil }
        return group
    }

    /// `command`: a list of strings, or one string split on whitespace (no shell, so no quoting).
    private mutating func readCommand(_ node: Node?, at path: String) -> [String]? {
        guard let node else {
            report(path, "missing: the executable and its arguments, e.g. [\"node\", \"dist/index.js\"]")
            return nil
        }
        if case .scalar = node {
            guard let text = string(node, at: path) else { return nil }
            if text.contains(where: { $0 == "\"" || $0 == "'" }) {
                report(path, "a command string is split on whitespace only (no shell, no quoting); write it as a list, e.g. [\"node\", \"-e\", \"console.log(1)\"]")
                return nil
            }
            return text.split(whereSeparator: \.isWhitespace).map(String.init)
        }
        guard let items = sequence(node, at: path) else { return nil }
        let parts = items.enumerated().compactMap { index, item in string(item, at: "\(path)[\(index)]") }
        return parts.count == items.count ? parts : nil
    }

    /// `ready:`: exactly one of `http`, `tcp` or `log`, and an optional `timeout`.
    private mutating func readReadiness(_ node: Node, at path: String, into group: inout ProcessGroupSettings) {
        guard let entries = mapping(node, at: path, allowed: ["http", "tcp", "log", "timeout"]) else { return }
        if let value = duration(entries["timeout"], at: "\(path).timeout") { group.readyTimeout = value }
        let kinds = ["http", "tcp", "log"].filter { entries[$0] != nil }
        guard kinds.count == 1 else {
            let problem = kinds.isEmpty ? "needs one of http (a path), tcp (true) or log (a regular expression)" : "has \(kinds.joined(separator: " and ")): give exactly one of http, tcp or log"
            return report(path, problem)
        }
        switch kinds[0] {
        case "http":
            if let probePath = string(entries["http"], at: "\(path).http") { group.readiness = .http(path: probePath) }
        case "tcp":
            guard let on = bool(entries["tcp"], at: "\(path).tcp") else { return }
            if !on { report("\(path).tcp", "must be true (the instance's port accepts a connection); for another check give http or log instead") }
        default:
            if let pattern = string(entries["log"], at: "\(path).log") { group.readiness = .log(pattern: pattern) }
        }
    }

    /// `restart.backoff`: `MIN..MAX` (`1s..60s`), or one duration for both bounds.
    static func parseBackoff(_ text: String) -> Result<(Duration, Duration), SyntaxProblem> {
        let parts = text.components(separatedBy: "..")
        let usage = "expected MIN..MAX, e.g. 1s..60s, or one duration"
        guard parts.count <= 2 else { return .failure(SyntaxProblem("'\(text)' is not a backoff: \(usage)")) }
        var bounds: [Duration] = []
        for part in parts {
            switch DurationSyntax.parse(part) {
            case .success(let bound): bounds.append(bound)
            case .failure(let problem): return .failure(SyntaxProblem("'\(text)' is not a backoff (\(usage)): \(problem.description)"))
            }
        }
        return .success((bounds[0], bounds[bounds.count - 1]))
    }

    /// `stop.signal`: `SIGTERM`, `SIGINT`, `SIGQUIT`, `SIGHUP`, `SIGUSR1` or `SIGUSR2`, in any case, with or
    /// without the `SIG` prefix.
    static func parseStopSignal(_ text: String) -> Result<ProcessGroupSettings.StopSignal, SyntaxProblem> {
        let upper = text.trimmingWhitespace().uppercased()
        guard let signal = ProcessGroupSettings.StopSignal(rawValue: upper.hasPrefix("SIG") ? upper : "SIG" + upper) else {
            let names = ProcessGroupSettings.StopSignal.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(SyntaxProblem("'\(text)' is not a stop signal: use one of \(names)"))
        }
        return .success(signal)
    }
}
