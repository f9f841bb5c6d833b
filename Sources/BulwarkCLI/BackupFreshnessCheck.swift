import BulwarkBackup
import BulwarkOperations
import Foundation

/// The `backup` health check under `bulwark serve`: fails (alert `backup_stale`, critical) when the
/// last successful backup is older than the schedule allows.
struct BackupFreshnessCheck: DependencyCheck {
    let scheduler: BackupScheduler
    var name: String { "backup" }
    var kind: String { "backup" }

    func check(timeout: Duration) async -> String? {
        scheduler.staleness(at: Date())
    }
}
