import Foundation
import Logging
import ServiceLifecycle

/// The audit log: a durable journal on local disk, optionally copied to PostgreSQL, that records
/// events, answers queries and verifies its own chain.
///
/// ```swift
/// let audit = try AuditLog(configuration: .init(journal: "/var/lib/app/audit", databaseURL: url), logger: logger)
/// try await ServiceGroup(services: [audit], logger: logger).run()   // or: Task { try await audit.run() }
/// try await audit.record(.action("invoice.void", actor: user.id, subject: invoice.id))   // on disk when it returns (sync)
/// let page = try await audit.query(AuditQuery(actor: user.id, since: Date() - 3600))
/// ```
///
/// ``run()`` ships the journal to the database (when configured) and applies the retention (at start,
/// then hourly) until cancelled or a graceful shutdown, then closes the journal. The static
/// ``query(configuration:_:logger:)`` and ``verify(configuration:from:logger:)`` read the journal
/// without its lock, so `bulwark audit query` works while `bulwark serve` runs.
public final class AuditLog: AuditRecording, Service, Sendable {
    /// What it runs with.
    public let configuration: Configuration
    let journal: AuditJournal
    let store: PostgresAuditStore?
    let shipper: AuditShipper?
    let clock: any Clock<Duration>
    let logger: Logger

    /// How often the retention runs after the first time (at start).
    static let retentionInterval = Duration.seconds(3600)

    /// Opens the journal (recovering a torn tail) and prepares the shipper.
    /// - Throws: the journal's error (another process holds it, the directory is unwritable), or
    ///   ``AuditDatabaseURLError`` for an unusable database URL.
    public init(configuration: Configuration, logger: Logger, clock: any Clock<Duration> = ContinuousClock()) throws {
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.store = try configuration.makeStore(logger: logger)
        let journal = try AuditJournal(directory: configuration.journal, options: configuration.journalOptions, logger: logger)
        self.journal = journal
        self.shipper = store.map { store in
            AuditShipper(
                journal: configuration.journal, store: store,
                options: AuditShipper.Options(batchSize: configuration.shipBatch, interval: configuration.shipInterval),
                clock: clock, logger: logger
            ) {
                let status = journal.status
                return AuditShipper.JournalProgress(lastSequence: status.lastSequence, durableSequence: status.durableSequence)
            }
        }
    }

    public func append(_ entry: AuditEntry, waitForDisk: Bool, completion: (@Sendable (Result<Void, AuditUnavailable>) -> Void)?) {
        journal.append(entry, waitForDisk: waitForDisk, completion: completion)
    }

    public var isAvailable: Bool { journal.isAvailable }

    /// Records `entry`; returns once it is on disk (`sync`) or written (`async`).
    /// - Throws: ``AuditUnavailable`` when the journal cannot take it.
    public func record(_ entry: AuditEntry) async throws {
        _ = try await journal.record(entry, waitForDisk: configuration.waitsForDisk)
    }

    /// The journal's and the shipper's state.
    public var status: AuditLogStatus { AuditLogStatus(journal: journal.status, shipper: shipper?.status) }

    /// Ships and applies the retention until cancelled or shut down gracefully; then closes the journal.
    public func run() async throws {
        defer { journal.close() }
        try? await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let shipper = self.shipper {
                    group.addTask { try await shipper.run() }
                }
                group.addTask { try await self.runRetention() }
                try await group.waitForAll()
            }
        }
        await store?.close()
    }

    private func runRetention() async throws {
        while !Task.isCancelled {
            await applyRetention(now: Date())
            try await clock.sleep(for: Self.retentionInterval)
        }
    }
}
