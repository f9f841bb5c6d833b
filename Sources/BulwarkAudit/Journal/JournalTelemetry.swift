import Logging
import Metrics

/// The journal's metrics and the log lines of its state changes.
struct JournalTelemetry: Sendable {
    let logger: Logger
    let directory: String
    private let eventsWritten: Counter
    private let batchSize: Recorder
    private let fsyncSeconds: Metrics.Timer
    private let journalBytes: Gauge

    init(logger: Logger, directory: String, factory: any MetricsFactory) {
        self.logger = logger
        self.directory = directory
        eventsWritten = Counter(label: "bulwark_audit_events_written_total", factory: factory)
        batchSize = Recorder(label: "bulwark_audit_batch_size", factory: factory)
        fsyncSeconds = Metrics.Timer(label: "bulwark_audit_fsync_seconds", factory: factory)
        journalBytes = Gauge(label: "bulwark_audit_journal_bytes", factory: factory)
    }

    /// A batch of `count` records was written.
    func written(_ count: Int) {
        eventsWritten.increment(by: count)
    }

    /// An `fsync` took `duration` and made `records` more records durable.
    func synced(records: Int, in duration: Duration) {
        fsyncSeconds.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        if records > 0 { batchSize.record(records) }
    }

    /// The segment files now hold `bytes`.
    func bytes(_ bytes: Int) {
        journalBytes.record(bytes)
    }

    /// The journal stopped taking records.
    func becameUnavailable(_ reason: String) {
        logger.error("audit journal unavailable: \(reason); records are refused until a write succeeds", metadata: ["journal": "\(directory)", "reason": "\(reason)"])
    }

    /// A write succeeded after the journal was unavailable.
    func becameAvailable(after reason: String?) {
        logger.notice("audit journal available again", metadata: ["journal": "\(directory)", "previous_failure": "\(reason ?? "-")"])
    }

    /// The anchor file could not be written (the journal itself is fine).
    func anchorFailed(_ reason: String) {
        logger.warning("audit journal: cannot write the anchor file: \(reason)", metadata: ["journal": "\(directory)"])
    }
}
