import BulwarkBackup
import BulwarkConfig
import BulwarkTestSupport
import CoreMetrics
import Foundation
import Logging
import Testing

/// The scheduler `bulwark serve` runs: staleness on a manual timeline, and a run that records success.
@Suite(.enabled(if: PostgresServer.shouldRun, "postgresql is not installed (apt-get install postgresql)"), .timeLimit(.minutes(1)))
struct BackupSchedulerTests {
    @Test func stalenessFollowsTheScheduleAndARunResetsIt() async throws {
        try await BackupHarness.with { harness async throws in
            let start = Date(timeIntervalSince1970: 1_795_392_000)   // 2026-11-23T00:00:00Z
            let utc = TimeZone(identifier: "UTC")!
            let scheduler = BackupScheduler(
                manager: harness.manager, schedule: try CronSchedule(parsing: "0 2 * * *"), timeZone: utc,
                logger: Logger(label: "t"), metricsFactory: NOOPMetricsHandler.instance, now: { start }
            )
            #expect(scheduler.lastSuccessfulBackup == nil)
            #expect(scheduler.staleness(at: start.addingTimeInterval(24 * 3600)) == nil)
            let overdue = scheduler.staleness(at: start.addingTimeInterval(50 * 3600))
            #expect(overdue?.contains("no successful backup") == true)
            await scheduler.runOnce()
            let success = try #require(scheduler.lastSuccessfulBackup)
            #expect(try harness.manager.catalogue.all().count == 1)
            #expect(scheduler.staleness(at: success.addingTimeInterval(48 * 3600)) == nil)
            #expect(scheduler.staleness(at: success.addingTimeInterval(49.5 * 3600))?.contains("expects one every 24.0 h") == true)
        }
    }
}
