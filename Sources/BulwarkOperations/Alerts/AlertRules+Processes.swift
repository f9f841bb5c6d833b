import BulwarkSupervisor

extension AlertRules {
    /// `process_crash_loop` (critical) for every slot of a process group given up after too many
    /// restarts, and `process_memory_restart` (warning) for a group that had an instance replaced for
    /// using more than `max_memory` within the last 10 minutes.
    static func processConditions(for observation: Observation) -> [AlertCondition] {
        observation.processes.flatMap { group -> [AlertCondition] in
            var conditions = group.givenUpSlots.map { slot in
                let last = group.members.first { $0.instance.id.slot == slot }?.instance
                return AlertCondition(
                    rule: "process_crash_loop", subject: "\(group.name).\(slot)", severity: .critical, value: Double(last?.restarts ?? 0),
                    message: "instance \(group.name).\(slot) restarted too often and was given up" + (last?.lastReason.map { "; last: \($0)" } ?? "")
                        + ": fix it, then POST /api/processes/\(group.name)/restart"
                )
            }
            if group.recentMemoryRestarts > 0 {
                conditions.append(AlertCondition(
                    rule: "process_memory_restart", subject: group.name, severity: .warning, value: Double(group.recentMemoryRestarts),
                    message: "\(group.recentMemoryRestarts) instance(s) of \(group.name) were replaced in the last 10 minutes for using more than max_memory"
                ))
            }
            return conditions
        }
    }
}
