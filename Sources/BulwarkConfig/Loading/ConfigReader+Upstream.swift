import Yams

/// The `upstreams.NAME` section and its nested policies.
extension ConfigReader {
    /// `targetsFromProcesses`: `processes.NAME` exists, so the upstream has no `targets` of its own.
    mutating func readUpstream(name: String, _ node: Node, targetsFromProcesses: Bool = false) -> UpstreamSettings {
        let path = "upstreams.\(name)"
        var upstream = UpstreamSettings(name: name, targets: [])
        upstream.targetsFromProcesses = targetsFromProcesses
        let keys = ["targets", "balancer", "timeout", "connect_timeout", "max_idle_connections", "health_check", "retry", "outlier_detection", "circuit_breaker", "tls", "host", "resolve_interval", "credentials"]
        guard let entries = mapping(node, at: path, allowed: keys) else { return upstream }
        if targetsFromProcesses {
            if entries["targets"] != nil { report("\(path).targets", ProcessGroupSettings.upstreamTargetsProblem(name)) }
        } else if let targets = stringList(entries["targets"], at: "\(path).targets") {
            upstream.targets = targets.enumerated().compactMap { index, text in
                switch TargetURL.parse(text) {
                case .success(let target): return target
                case .failure(let problem):
                    report("\(path).targets[\(index)]", problem.description, about: text)
                    return nil
                }
            }
            if targets.isEmpty { report("\(path).targets", "must list at least one target, e.g. [\"http://127.0.0.1:3000\"] or [\"https://api.vendor.com\"]") }
        } else {
            report("\(path).targets", "missing: list the app's addresses, e.g. [\"http://127.0.0.1:3000\"]")
        }
        if let text = string(entries["balancer"], at: "\(path).balancer") {
            if let kind = BalancerKind(rawValue: text) { upstream.balancer = kind } else {
                report("\(path).balancer", "must be 'round_robin' or 'least_request', got '\(Self.shown(text, at: "\(path).balancer"))'")
            }
        }
        if let value = duration(entries["timeout"], at: "\(path).timeout", minimum: .milliseconds(1)) { upstream.timeout = value }
        if let value = duration(entries["connect_timeout"], at: "\(path).connect_timeout", minimum: .milliseconds(1)) { upstream.connectTimeout = value }
        if let value = int(entries["max_idle_connections"], at: "\(path).max_idle_connections", in: 0...100_000) { upstream.maxIdleConnections = value }
        if let node = entries["health_check"] { upstream.healthCheck = readHealthCheck(node, at: "\(path).health_check") }
        if let node = entries["retry"] { upstream.retry = readRetry(node, at: "\(path).retry") }
        if let node = entries["outlier_detection"] { upstream.outlierDetection = readOutlierDetection(node, at: "\(path).outlier_detection") }
        if let node = entries["circuit_breaker"] { upstream.circuitBreaker = readBreaker(node, at: "\(path).circuit_breaker") }
        readUpstreamTLS(entries, at: path, into: &upstream)
        if let node = entries["credentials"] { upstream.credentials = readCredentials(node, at: "\(path).credentials") }
        return upstream
    }

    mutating func readHealthCheck(_ node: Node, at path: String) -> HealthCheckSettings? {
        let keys = ["path", "interval", "timeout", "healthy_threshold", "unhealthy_threshold"]
        guard let entries = mapping(node, at: path, allowed: keys) else { return nil }
        guard let probePath = string(entries["path"], at: "\(path).path") else {
            report("\(path).path", "missing: the path to probe, e.g. /health")
            return nil
        }
        if !probePath.hasPrefix("/") { report("\(path).path", "must start with '/', got '\(Self.shown(probePath, at: "\(path).path"))'") }
        var settings = HealthCheckSettings(path: probePath)
        if let value = duration(entries["interval"], at: "\(path).interval", minimum: .milliseconds(10)) { settings.interval = value }
        if let value = duration(entries["timeout"], at: "\(path).timeout", minimum: .milliseconds(1)) { settings.timeout = value }
        if let value = int(entries["healthy_threshold"], at: "\(path).healthy_threshold", in: 1...1000) { settings.healthyThreshold = value }
        if let value = int(entries["unhealthy_threshold"], at: "\(path).unhealthy_threshold", in: 1...1000) { settings.unhealthyThreshold = value }
        return settings
    }

    mutating func readRetry(_ node: Node, at path: String) -> RetrySettings {
        var settings = RetrySettings()
        let keys = ["attempts", "per_try_timeout", "methods", "on_status", "backoff", "budget", "buffer_limit"]
        guard let entries = mapping(node, at: path, allowed: keys) else { return settings }
        if let value = int(entries["attempts"], at: "\(path).attempts", in: 1...10) { settings.attempts = value }
        settings.perTryTimeout = duration(entries["per_try_timeout"], at: "\(path).per_try_timeout", minimum: .milliseconds(1))
        if let methods = stringList(entries["methods"], at: "\(path).methods") { settings.methods = Set(methods.map { $0.uppercased() }) }
        if let statuses = stringList(entries["on_status"], at: "\(path).on_status") {
            settings.statuses = Set(statuses.enumerated().compactMap { index, text in
                guard let status = Int(text), (500...599).contains(status) || status == 429 else {
                    report("\(path).on_status[\(index)]", "must be a 5xx status or 429, got '\(Self.shown(text, at: "\(path).on_status[\(index)]"))'")
                    return nil
                }
                return status
            })
        }
        if let node = entries["backoff"], let backoff = mapping(node, at: "\(path).backoff", allowed: ["base", "max"]) {
            if let value = duration(backoff["base"], at: "\(path).backoff.base") { settings.backoffBase = value }
            if let value = duration(backoff["max"], at: "\(path).backoff.max") { settings.backoffMaximum = value }
            if settings.backoffMaximum < settings.backoffBase {
                report("\(path).backoff.max", "must be at least backoff.base (\(DurationSyntax.format(settings.backoffBase)))")
            }
        }
        if let node = entries["budget"], let budget = mapping(node, at: "\(path).budget", allowed: ["percent", "min_per_second"]) {
            if let value = double(budget["percent"], at: "\(path).budget.percent", in: 0...1000) { settings.budgetPercent = value }
            if let value = int(budget["min_per_second"], at: "\(path).budget.min_per_second", in: 0...1_000_000) { settings.budgetMinimumPerSecond = value }
        }
        if let value = value(entries["buffer_limit"], at: "\(path).buffer_limit", ByteSizeSyntax.parse) { settings.bufferLimit = value }
        return settings
    }

    mutating func readOutlierDetection(_ node: Node, at path: String) -> OutlierDetectionSettings {
        var settings = OutlierDetectionSettings()
        let keys = ["enabled", "consecutive_failures", "base_ejection_time", "max_ejection_time", "max_ejection_percent"]
        guard let entries = mapping(node, at: path, allowed: keys) else { return settings }
        if let value = bool(entries["enabled"], at: "\(path).enabled") { settings.enabled = value }
        if let value = int(entries["consecutive_failures"], at: "\(path).consecutive_failures", in: 1...10_000) { settings.consecutiveFailures = value }
        if let value = duration(entries["base_ejection_time"], at: "\(path).base_ejection_time", minimum: .milliseconds(1)) { settings.baseEjectionTime = value }
        if let value = duration(entries["max_ejection_time"], at: "\(path).max_ejection_time", minimum: .milliseconds(1)) { settings.maxEjectionTime = value }
        if let value = int(entries["max_ejection_percent"], at: "\(path).max_ejection_percent", in: 0...100) { settings.maxEjectionPercent = value }
        if settings.maxEjectionTime < settings.baseEjectionTime {
            report("\(path).max_ejection_time", "must be at least base_ejection_time (\(DurationSyntax.format(settings.baseEjectionTime)))")
        }
        return settings
    }

    mutating func readBreaker(_ node: Node, at path: String) -> TargetBreakerSettings {
        var settings = TargetBreakerSettings()
        let keys = ["enabled", "failure_rate", "minimum_calls", "window", "open_duration", "half_open_calls"]
        guard let entries = mapping(node, at: path, allowed: keys) else { return settings }
        if let value = bool(entries["enabled"], at: "\(path).enabled") { settings.enabled = value }
        if let value = double(entries["failure_rate"], at: "\(path).failure_rate", in: 1...100) { settings.failureRate = value }
        if let value = int(entries["minimum_calls"], at: "\(path).minimum_calls", in: 1...1_000_000) { settings.minimumCalls = value }
        if let value = duration(entries["window"], at: "\(path).window", minimum: .seconds(1)) { settings.window = value }
        if let value = duration(entries["open_duration"], at: "\(path).open_duration", minimum: .milliseconds(1)) { settings.openDuration = value }
        if let value = int(entries["half_open_calls"], at: "\(path).half_open_calls", in: 1...1000) { settings.halfOpenCalls = value }
        return settings
    }
}
