import BulwarkConfig
import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs backups on `backup.schedule` inside `bulwark serve`: at each cron time it makes a backup, then
/// applies retention; each run is logged and exported as `bulwark_backup_last_success_timestamp_seconds`,
/// `bulwark_backup_duration_seconds` and `bulwark_backup_size_bytes`. ``staleness(at:)`` says when the
/// last success is older than the schedule allows (two intervals plus an hour).
public final class BackupScheduler: Service, Sendable {
    let manager: BackupManager
    let schedule: CronSchedule
    let timeZone: TimeZone
    let logger: Logger
    let clock: any Clock<Duration>
    let now: @Sendable () -> Date
    private let startedAt: Date
    private let lastSuccess: Mutex<Date?>
    private let lastSuccessGauge: Gauge
    private let durationGauge: Gauge
    private let sizeGauge: Gauge

    /// A scheduler for `manager`'s `backup.schedule`.
    public init(
        manager: BackupManager, schedule: CronSchedule, timeZone: TimeZone = .current, logger: Logger,
        metricsFactory: any MetricsFactory, clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.manager = manager
        self.schedule = schedule
        self.timeZone = timeZone
        self.logger = logger
        self.clock = clock
        self.now = now
        self.startedAt = now()
        lastSuccessGauge = Gauge(label: "bulwark_backup_last_success_timestamp_seconds", factory: metricsFactory)
        durationGauge = Gauge(label: "bulwark_backup_duration_seconds", factory: metricsFactory)
        sizeGauge = Gauge(label: "bulwark_backup_size_bytes", factory: metricsFactory)
        let newest = (try? manager.catalogue.all())?.first
        lastSuccess = Mutex(newest?.finishedAt)
        if let newest {
            lastSuccessGauge.record(newest.finishedAt.timeIntervalSince1970)
            durationGauge.record(newest.finishedAt.timeIntervalSince(newest.startedAt))
            sizeGauge.record(Double(newest.sizeBytes))
        }
    }

    /// When the last backup succeeded (from the catalogue at start, then from runs).
    public var lastSuccessfulBackup: Date? { lastSuccess.withLock { $0 } }

    /// Why backups are overdue at `date`, or nil when they are not.
    public func staleness(at date: Date) -> String? {
        let reference = lastSuccessfulBackup ?? startedAt
        guard let first = schedule.nextRun(after: reference, in: timeZone), let second = schedule.nextRun(after: first, in: timeZone) else { return nil }
        let allowed = 2 * second.timeIntervalSince(first) + 3600
        let age = date.timeIntervalSince(reference)
        guard age > allowed else { return nil }
        let hours = String(format: "%.1f", age / 3600)
        let expected = String(format: "%.1f", second.timeIntervalSince(first) / 3600)
        if lastSuccessfulBackup == nil {
            return "no successful backup in \(hours) h; schedule '\(schedule.expression)' expects one every \(expected) h"
        }
        return "last successful backup is \(hours) h old; schedule '\(schedule.expression)' expects one every \(expected) h"
    }

    /// Waits for each scheduled time and runs a backup, until graceful shutdown.
    public func run() async throws {
        logger.notice("backup schedule active", metadata: ["schedule": "\(schedule.expression)", "time_zone": "\(timeZone.identifier)"])
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                guard let next = self.schedule.nextRun(after: self.now(), in: self.timeZone) else {
                    self.logger.error("backup schedule never fires within 5 years; no backups will run", metadata: ["schedule": "\(self.schedule.expression)"])
                    while !Task.isCancelled { try? await self.clock.sleep(for: .seconds(3600)) }
                    return
                }
                // Sleep in steps of at most a minute, so a changed wall clock is noticed.
                while !Task.isCancelled, self.now() < next {
                    let wait = min(60, max(0.01, next.timeIntervalSince(self.now())))
                    try? await self.clock.sleep(for: .milliseconds(Int64(wait * 1000)))
                }
                if Task.isCancelled { return }
                await self.runOnce()
            }
        }
    }

    /// One scheduled run: backup, then retention. Failures are logged (and notified by the manager).
    public func runOnce() async {
        let started = now()
        do {
            let manifest = try await manager.run(now: started)
            lastSuccess.withLock { $0 = manifest.finishedAt }
            lastSuccessGauge.record(manifest.finishedAt.timeIntervalSince1970)
            durationGauge.record(manifest.finishedAt.timeIntervalSince(manifest.startedAt))
            sizeGauge.record(Double(manifest.sizeBytes))
            logger.notice("scheduled backup done", metadata: ["id": "\(manifest.id)", "bytes": "\(manifest.sizeBytes)"])
        } catch {
            logger.error("scheduled backup failed", metadata: ["error": "\(error)"])
            return
        }
        do {
            let plan = try await manager.prune(dryRun: false)
            if !plan.delete.isEmpty { logger.notice("retention applied", metadata: ["deleted": "\(plan.delete.map(\.id).joined(separator: ","))"]) }
        } catch {
            logger.error("retention after the scheduled backup failed", metadata: ["error": "\(error)"])
        }
    }
}
