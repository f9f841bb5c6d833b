import BulwarkSupervisor

extension HealthScoring {
    /// One `process` check per supervised group: healthy with every instance ready, degraded with
    /// fewer (restarting, starting, given up), unhealthy with none. Never critical: routes without a
    /// ready instance make the instance UNHEALTHY through readiness already.
    static func processChecks(for observation: Observation) -> [HealthReport.Check] {
        observation.processes.map { group in
            let ready = group.members.filter { $0.instance.state == .ready }.count
            let status: HealthReport.CheckStatus = ready >= group.instances ? .healthy : ready == 0 ? .unhealthy : .degraded
            var message = "\(ready) of \(group.instances) instances ready"
            if !group.givenUpSlots.isEmpty {
                message += "; given up after a crash loop: " + group.givenUpSlots.map { "\(group.name).\($0)" }.joined(separator: ", ")
            }
            return HealthReport.Check(name: group.name, kind: "process", status: status, latencyMs: nil, message: message)
        }
    }
}
