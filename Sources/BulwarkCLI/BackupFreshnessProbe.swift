import BulwarkBackup
import BulwarkOperations
import Foundation

/// The `backup` health check under `bulwark serve`: fails (alert `backup_stale`, critical) when the
/// last successful backup is older than the schedule allows. Not critical: a stale backup degrades the
/// instance, it does not take it out of service.
struct BackupFreshnessProbe: DependencyProbe {
    let scheduler: BackupScheduler

    func probe(timeout: Duration) async -> ProbeOutcome {
        scheduler.staleness(at: Date()).map { .failed($0) } ?? .passed(detail: "last backup within the schedule")
    }

    /// The `backup` check, run every `interval`.
    static func check(scheduler: BackupScheduler, interval: Duration) -> DependencyCheck {
        DependencyCheck(
            name: "backup", kind: "backup", critical: false, interval: interval, timeout: .seconds(1),
            probe: BackupFreshnessProbe(scheduler: scheduler)
        )
    }
}
