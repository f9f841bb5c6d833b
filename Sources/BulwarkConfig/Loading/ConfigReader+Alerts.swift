import Yams

/// The `alerts:` section.
extension ConfigReader {
    mutating func readAlerts(_ node: Node?) -> AlertSettings {
        var alerts = AlertSettings()
        let keys = ["interval", "webhooks", "webhook_timeout", "memory", "dependency_latency", "error_rate", "target_unavailable", "no_healthy_target"]
        guard let node, let entries = mapping(node, at: "alerts", allowed: keys) else { return alerts }
        if let value = duration(entries["interval"], at: "alerts.interval", minimum: .milliseconds(10)) { alerts.interval = value }
        if let value = duration(entries["webhook_timeout"], at: "alerts.webhook_timeout", minimum: .milliseconds(1)) { alerts.webhookTimeout = value }
        if let urls = stringList(entries["webhooks"], at: "alerts.webhooks") {
            for (index, url) in urls.enumerated() {
                if let problem = Self.webhookProblem(url) { report("alerts.webhooks[\(index)]", problem, about: url) } else { alerts.webhooks.append(url) }
            }
        }
        if let node = entries["memory"], let rule = mapping(node, at: "alerts.memory", allowed: ["enabled", "warning", "error"]) {
            if let enabled = bool(rule["enabled"], at: "alerts.memory.enabled") { alerts.memory.enabled = enabled }
            if let value = value(rule["warning"], at: "alerts.memory.warning", ByteSizeSyntax.parse) { alerts.memory.warning = value }
            if let value = value(rule["error"], at: "alerts.memory.error", ByteSizeSyntax.parse) { alerts.memory.error = value }
            if alerts.memory.error < alerts.memory.warning { report("alerts.memory.error", "must not be below alerts.memory.warning") }
        }
        if let node = entries["dependency_latency"], let rule = mapping(node, at: "alerts.dependency_latency", allowed: ["enabled", "warning", "error"]) {
            if let enabled = bool(rule["enabled"], at: "alerts.dependency_latency.enabled") { alerts.dependencyLatency.enabled = enabled }
            if let value = duration(rule["warning"], at: "alerts.dependency_latency.warning") { alerts.dependencyLatency.warning = value }
            if let value = duration(rule["error"], at: "alerts.dependency_latency.error") { alerts.dependencyLatency.error = value }
            if alerts.dependencyLatency.error < alerts.dependencyLatency.warning {
                report("alerts.dependency_latency.error", "must not be below alerts.dependency_latency.warning")
            }
        }
        if let node = entries["error_rate"], let rule = mapping(node, at: "alerts.error_rate", allowed: ["enabled", "warning", "window", "min_requests"]) {
            if let enabled = bool(rule["enabled"], at: "alerts.error_rate.enabled") { alerts.errorRate.enabled = enabled }
            if let value = value(rule["warning"], at: "alerts.error_rate.warning", Self.parseRatio) { alerts.errorRate.warning = value }
            if let value = duration(rule["window"], at: "alerts.error_rate.window", minimum: .seconds(1)) { alerts.errorRate.window = value }
            if let value = int(rule["min_requests"], at: "alerts.error_rate.min_requests", in: 1...1_000_000_000) { alerts.errorRate.minimumRequests = value }
        }
        alerts.targetUnavailable = switchRule(entries["target_unavailable"], at: "alerts.target_unavailable") ?? true
        alerts.noHealthyTarget = switchRule(entries["no_healthy_target"], at: "alerts.no_healthy_target") ?? true
        return alerts
    }

    /// A rule with nothing to set but `enabled`: `{ enabled: false }` or just `false`.
    private mutating func switchRule(_ node: Node?, at path: String) -> Bool? {
        guard let node else { return nil }
        if case .scalar = node { return bool(node, at: path) }
        let rule = mapping(node, at: path, allowed: ["enabled"])
        return bool(rule?["enabled"], at: "\(path).enabled")
    }

    /// `5%` or `0.05`.
    static func parseRatio(_ text: String) -> Result<Double, SyntaxProblem> {
        let trimmed = text.trimmingWhitespace()
        if trimmed.hasSuffix("%"), let percent = Double(trimmed.dropLast()), (0...100).contains(percent) {
            return .success(percent / 100)
        }
        if let ratio = Double(trimmed), (0...1).contains(ratio) { return .success(ratio) }
        return .failure(SyntaxProblem("expected a percentage like '5%' or a ratio between 0 and 1, got '\(text)'"))
    }

    static func webhookProblem(_ url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return "expected an http:// or https:// URL, got '\(url)'"
        }
        let rest = url.drop(while: { $0 != "/" }).dropFirst(2)
        if rest.isEmpty || rest.first == "/" { return "URL '\(url)' has no host" }
        return nil
    }
}
