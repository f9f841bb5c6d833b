import Foundation

extension RetentionPolicy {
    /// Decides which of `backups` to keep and which to delete.
    ///
    /// Backups are sorted newest first (ties by `id`). Each rule walks them from newest to oldest and
    /// keeps the newest backup of each of its N most recent periods that have a backup; the newest
    /// verified backup is kept too, whatever its age. Everything else is deleted, so a policy of all
    /// zeros keeps only the newest verified backup.
    ///
    /// Planning again on the kept backups keeps all of them, for the same reasons.
    ///
    /// - Parameters:
    ///   - backups: The backups that exist; ids should be unique.
    ///   - calendar: Where days, months and years begin; callers usually pass a Gregorian calendar in
    ///     UTC. Weeks are ISO 8601 weeks in this calendar's time zone, whatever its week settings.
    /// - Returns: The plan, both lists newest first.
    public func plan(for backups: [RetentionCandidate], calendar: Calendar) -> RetentionPlan {
        let sorted = backups.sorted { first, second in
            first.createdAt != second.createdAt ? first.createdAt > second.createdAt : first.id < second.id
        }
        var reasons = Array(repeating: [String](), count: sorted.count)
        let periods = RetentionPeriods(calendar: calendar)
        for rule in RetentionRule.allCases {
            let limit = rule.count(in: self)
            var seen: Set<String> = []
            for (index, backup) in sorted.enumerated() {
                guard seen.count < limit else { break }
                let period = periods.period(rule, of: backup.createdAt)
                guard seen.insert(period).inserted else { continue }
                reasons[index].append("\(rule.name) \(period)")
            }
        }
        if let newestVerified = sorted.firstIndex(where: \.verified) {
            reasons[newestVerified].append("newest verified")
        }
        var plan = RetentionPlan(keep: [], delete: [])
        for (backup, why) in zip(sorted, reasons) {
            if why.isEmpty {
                plan.delete.append(backup)
            } else {
                plan.keep.append(RetentionPlan.Kept(candidate: backup, reasons: why))
            }
        }
        return plan
    }
}
