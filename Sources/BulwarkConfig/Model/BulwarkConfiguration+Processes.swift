import Resilience

extension BulwarkConfiguration {
    /// Every problem with `processes:`, keyed as in a file: each group's own values
    /// (``ProcessGroupSettings/validationIssues()``); a group whose ports overlap an earlier group's
    /// (at the later one's `port_base`); a group whose ports include the port of `server.listen`,
    /// `server.redirect_http` or `admin.listen` (when enabled) on a loopback or any-address host (at
    /// its `port_base`); and a group without its upstream, or whose upstream lists `targets` of its own.
    ///
    /// ``parse(yaml:environment:)`` runs these checks; run them on a configuration built in code, such as
    /// ``runCommand(command:instances:portBase:listen:)``:
    ///
    /// ```swift
    /// let configuration = BulwarkConfiguration.runCommand(command: ["node", "dist/index.js"], instances: 3, portBase: 3001, listen: nil)
    /// try ConfigurationValidator.check(configuration.processValidationIssues())
    /// ```
    public func processValidationIssues() -> [ConfigurationIssue] {
        var issues: [ConfigurationIssue] = []
        var claimed: [(name: String, ports: ClosedRange<Int>)] = []
        for group in processes {
            issues += group.validationIssues()
            issues += upstreamIssues(of: group)
            guard let ports = group.validPorts else { continue }
            let keyPath = "processes.\(group.name).port_base"
            let range = "ports \(ports.lowerBound)–\(ports.upperBound)"
            if let other = claimed.first(where: { $0.ports.overlaps(ports) }) {
                let problem = "\(range) overlap those of processes.\(other.name) (\(other.ports.lowerBound)–\(other.ports.upperBound)); each group needs its own 2 × instances ports"
                issues.append(ConfigurationIssue(keyPath: keyPath, problem: problem))
            }
            for (key, address) in sharedListeners where ports.contains(address.port) {
                issues.append(ConfigurationIssue(keyPath: keyPath, problem: "\(range) include the port of \(key) (\(address)); choose a port_base outside it"))
            }
            claimed.append((group.name, ports))
        }
        return issues
    }

    /// The gateway's own listeners an instance could collide with: those on a loopback or any-address
    /// host (instances listen on the loopback), with a fixed port.
    private var sharedListeners: [(key: String, address: ListenAddress)] {
        var listeners = [("server.listen", server.listen)]
        if let redirect = server.redirectHTTP { listeners.append(("server.redirect_http", redirect)) }
        if admin.enabled { listeners.append(("admin.listen", admin.listen)) }
        return listeners.filter { _, address in
            address.port != 0 && (address.isLoopback || ["0.0.0.0", "::", "*"].contains(address.host))
        }
    }

    private func upstreamIssues(of group: ProcessGroupSettings) -> [ConfigurationIssue] {
        guard let upstream = upstream(named: group.name) else {
            return [ConfigurationIssue(keyPath: "processes.\(group.name)", problem: "no upstream '\(group.name)' receives its instances")]
        }
        if !upstream.targets.isEmpty {
            return [ConfigurationIssue(keyPath: "upstreams.\(group.name).targets", problem: ProcessGroupSettings.upstreamTargetsProblem(group.name))]
        }
        if !upstream.targetsFromProcesses {
            return [ConfigurationIssue(keyPath: "upstreams.\(group.name)", problem: "must take its targets from processes.\(group.name) (targetsFromProcesses)")]
        }
        return []
    }
}
