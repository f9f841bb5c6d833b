import Resilience

extension ProcessGroupSettings {
    /// The bounds a group's values are checked against (docs/configuration.md, `## processes`).
    enum Limits {
        static let instances = 1...64
        static let ports = 1...65_535
        static let minimumReadyTimeout: Duration = .milliseconds(100)
        static let minimumBackoff: Duration = .milliseconds(10)
        static let maxRestarts = 1...1000
        static let minimumRestartWindow: Duration = .seconds(1)
        static let minimumMaxMemory = 1 << 20
        static let minimumStopTimeout: Duration = .milliseconds(100)
        static let minimumLogSize = 4 << 10
        static let logKeep = 1...100
    }

    /// Every problem with this group's own values, keyed as in a file (`processes.app.restart.backoff`):
    /// the name, an empty command, counts, ports, durations and sizes out of range, a `PORT` in `env`, a
    /// readiness path or pattern that cannot be used. Checks that involve other sections are in
    /// ``BulwarkConfiguration/processValidationIssues()``, which includes these.
    public func validationIssues() -> [ConfigurationIssue] {
        let prefix = "processes.\(name)"
        var issues: [ConfigurationIssue] = []
        func require(_ condition: Bool, _ key: String, _ problem: @autoclosure () -> String) {
            if !condition { issues.append(ConfigurationIssue(keyPath: key.isEmpty ? prefix : "\(prefix).\(key)", problem: problem())) }
        }
        func atLeast(_ value: Duration, _ minimum: Duration, _ key: String) {
            require(value >= minimum, key, "must be at least \(DurationSyntax.format(minimum)), got \(DurationSyntax.format(value))")
        }
        func within(_ value: Int, _ range: ClosedRange<Int>, _ key: String) {
            require(range.contains(value), key, "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }

        require(Self.isValidName(name), "", "'\(name)' is not a valid group name: use letters, digits, '_' and '-'")
        require(!command.isEmpty, "command", "must not be empty: the executable and its arguments, e.g. [\"node\", \"dist/index.js\"]")
        require(command.first.map { !$0.isEmpty } ?? true, "command", "the executable (the first item) must not be empty")
        within(instances, Limits.instances, "instances")
        within(portBase, Limits.ports, "port_base")
        if Limits.instances.contains(instances), Limits.ports.contains(portBase) {
            let top = portBase + 2 * instances - 1
            require(top <= Limits.ports.upperBound, "port_base", "the ports reach \(top) (port_base + 2 × instances − 1: the upper half is for rolling restarts), above 65535; use a port_base of at most \(Limits.ports.upperBound + 1 - 2 * instances)")
        }
        for key in environment.keys.sorted() {
            require(key != "PORT", "env.\(key)", "PORT is set per instance by the supervisor (port_base + the instance's slot); remove it")
            require(!key.isEmpty && !key.contains("=") && !key.contains("\0"), "env.\(key)", "is not a valid environment variable name")
        }
        require(workingDirectory.map { !$0.isEmpty } ?? true, "cwd", "must not be empty; leave cwd out to use the supervisor's working directory")
        switch readiness {
        case .http(let path):
            require(path.hasPrefix("/"), "ready.http", "must be a path starting with '/', e.g. /health, got '\(path)'")
        case .log(let pattern):
            require(!pattern.isEmpty, "ready.log", "must not be empty: a regular expression a line of output matches when the instance is ready")
            if let problem = Self.regexProblem(pattern) { require(false, "ready.log", "is not a valid regular expression: \(problem)") }
        case .tcp:
            break
        }
        atLeast(readyTimeout, Limits.minimumReadyTimeout, "ready.timeout")
        require(backoffMinimum >= Limits.minimumBackoff, "restart.backoff", "the lower bound must be at least \(DurationSyntax.format(Limits.minimumBackoff)), got \(DurationSyntax.format(backoffMinimum))")
        require(backoffMinimum <= backoffMaximum, "restart.backoff", "the lower bound (\(DurationSyntax.format(backoffMinimum))) must not exceed the upper one (\(DurationSyntax.format(backoffMaximum)))")
        within(maxRestarts, Limits.maxRestarts, "restart.max_restarts")
        atLeast(restartWindow, Limits.minimumRestartWindow, "restart.window")
        if let maxMemory { require(maxMemory >= Limits.minimumMaxMemory, "max_memory", "must be at least 1MiB, got \(maxMemory) bytes") }
        atLeast(stopTimeout, Limits.minimumStopTimeout, "stop.timeout")
        require(logDirectory.map { !$0.isEmpty } ?? true, "logs.dir", "must not be empty; leave logs.dir out to send output only to the supervisor's log")
        require(logMaxBytes >= Limits.minimumLogSize, "logs.max_size", "must be at least 4KiB, got \(logMaxBytes) bytes")
        within(logKeep, Limits.logKeep, "logs.keep")
        return issues
    }

    /// Whether `name` may name a group: ASCII letters, digits, `_` and `-` (it appears in log file
    /// names, metric labels and admin API paths).
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }

    /// Why `pattern` does not compile as a regular expression, or nil when it does.
    static func regexProblem(_ pattern: String) -> String? {
        do {
            _ = try Regex(pattern)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The ports of a group whose instance count and `port_base` are in range; nil otherwise.
    var validPorts: ClosedRange<Int>? {
        guard Limits.instances.contains(instances), Limits.ports.contains(portBase),
              portBase + 2 * instances - 1 <= Limits.ports.upperBound else { return nil }
        return ports
    }

    /// The problem reported at `upstreams.NAME.targets` when the group `name` provides them.
    static func upstreamTargetsProblem(_ name: String) -> String {
        "processes.\(name) provides this upstream's targets; remove `targets`"
    }
}
