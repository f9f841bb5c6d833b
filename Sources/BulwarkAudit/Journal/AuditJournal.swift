import Foundation
import Logging
import Metrics

/// The write-ahead journal of the audit log: append-only segment files of CRC-32C framed, hash-chained
/// records (``AuditRecord``), written by one dedicated thread with group commit.
///
/// ```swift
/// let journal = try AuditJournal(directory: "/var/lib/bulwark/audit", logger: logger)
/// let sequence = try await journal.record(.action("cache.purge", actor: "admin"))   // on disk now
/// journal.close()
/// ```
///
/// - One writer per directory: an exclusive `flock` on `<directory>/lock`; readers
///   (``AuditJournalReader``, ``AuditVerifier``) take no lock.
/// - Opening recovers: a torn or damaged tail of the last segment is cut (one warning), and the chain
///   resumes from the last intact record.
/// - ``append(_:waitForDisk:completion:)`` never blocks: it queues. The writer takes every queued append,
///   writes them with one write loop, and `fdatasync`s once for the batch when any of them waits for
///   disk; the others are `fdatasync`ed within ``Options/asyncFlushInterval``.
/// - A failed write or `fdatasync` (disk full, file too large, I/O error, read-only) cuts the file back to
///   its last intact record, fails that batch's callbacks with ``AuditUnavailable`` and makes
///   ``isAvailable`` false; the next append tries again, so the journal recovers by itself.
/// - `<directory>/anchor` holds the durable head (at most once a second, and at close), for
///   ``AuditVerifier``.
public final class AuditJournal: AuditRecording, Sendable {
    /// The journal's directory.
    public let directory: String
    private let queue: JournalQueue<JournalAppend>
    private let board: JournalBoard

    /// Opens (creating when missing, 0700) the journal in `directory` for writing, recovers it, and starts
    /// its writer thread.
    ///
    /// - Throws: ``AuditJournalError``: another writer holds the journal (`.locked`, naming the directory),
    ///   the directory or a segment cannot be created or read (`.io`), or the last segment's header is
    ///   damaged (`.damaged`).
    /// - Parameter metrics: Where the journal's metrics go; nil for the process's `MetricsSystem`.
    public init(directory: String, options: Options = .init(), logger: Logger, metrics: (any MetricsFactory)? = nil) throws {
        precondition(options.segmentBytes > 0, "segmentBytes must be positive")
        self.directory = directory
        try JournalFiles.prepareDirectory(directory)
        let lock = try JournalLock.acquire(directory: directory)
        let outcome: JournalRecovery.Outcome
        do {
            outcome = try JournalRecovery.recover(directory: directory, logger: logger)
        } catch {
            lock.release()
            throw error
        }
        let anchored = (try? AuditAnchor.read(directory: directory))?.sequence
        board = JournalBoard(JournalBoard.State(
            status: AuditJournalStatus(
                lastSequence: outcome.chain.sequence, durableSequence: outcome.chain.sequence,
                head: JournalHex.encode(outcome.chain.head), segments: outcome.segmentCount
            ),
            current: outcome.segment, sealedBytes: outcome.sealedBytes, currentBytes: outcome.offset
        ))
        queue = JournalQueue(flushInterval: options.asyncFlushInterval)
        let start = JournalWriter.Start(
            directory: directory, options: options, chain: outcome.chain, segment: outcome.segment,
            offset: outcome.offset, anchoredSequence: anchored
        )
        let telemetry = JournalTelemetry(logger: logger, directory: directory, factory: metrics ?? MetricsSystem.factory)
        telemetry.bytes(outcome.sealedBytes + outcome.offset)
        let (queue, board) = (queue, board)
        let thread = Thread {
            JournalWriter(start: start, queue: queue, board: board, lock: lock, telemetry: telemetry).run()
        }
        thread.name = "bulwark-audit-journal"
        thread.start()
    }

    deinit {
        queue.requestClose()
    }

    /// Queues `entry`; `completion` is called once, on the writer thread, when the record is on disk
    /// (`waitForDisk`) or written (otherwise), or with why it could not be. Never blocks.
    public func append(_ entry: AuditEntry, waitForDisk: Bool, completion: (@Sendable (Result<Void, AuditUnavailable>) -> Void)?) {
        guard let completion else { return enqueue(entry, waitForDisk: waitForDisk, completion: nil) }
        enqueue(entry, waitForDisk: waitForDisk) { result in completion(result.map { _ in () }) }
    }

    /// Records `entry` and returns its sequence once it is on disk (`waitForDisk`, the default) or
    /// written.
    /// - Throws: ``AuditUnavailable`` when it could not be written.
    @discardableResult
    public func record(_ entry: AuditEntry, waitForDisk: Bool = true) async throws(AuditUnavailable) -> UInt64 {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<UInt64, AuditUnavailable>, Never>) in
            enqueue(entry, waitForDisk: waitForDisk) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Whether the journal takes records: false after a write or `fsync` failed, until one succeeds, and
    /// after ``close()``.
    public var isAvailable: Bool { board.state.withLock { $0.status.available } }

    /// What the journal has done since it was opened.
    public var status: AuditJournalStatus { board.status }

    /// Removes whole segments whose every record is at or before `shippedThrough` (when given) and whose
    /// last record is older than `cutoff`; never the segment being written, nor the last one.
    /// - Returns: The removed files' names, oldest first.
    /// - Throws: ``AuditJournalError`` when the directory cannot be listed or a file cannot be removed.
    @discardableResult
    public func removeSegments(shippedThrough sequence: UInt64?, olderThan cutoff: Date) throws -> [String] {
        let current = board.state.withLock { $0.current }
        let removed = try JournalRetention.remove(in: directory, current: current, shippedThrough: sequence, olderThan: cutoff)
        let freed = removed.reduce(0) { $0 + $1.bytes }
        board.state.withLock { state in
            state.sealedBytes -= freed
            state.status.segments -= removed.count
        }
        return removed.map(\.name)
    }

    /// Writes what is queued, makes it durable, updates the anchor, stops the writer thread and releases
    /// the lock. Later appends fail with ``AuditUnavailable``. Do not call it from a completion callback
    /// (it runs on the writer thread, which `close` waits for).
    public func close() {
        queue.requestClose()
        queue.waitUntilFinished()
    }

    private func enqueue(_ entry: AuditEntry, waitForDisk: Bool, completion: (@Sendable (Result<UInt64, AuditUnavailable>) -> Void)?) {
        let append = JournalAppend(entry: entry, waitForDisk: waitForDisk, completion: completion)
        if !queue.enqueue(append) {
            completion?(.failure(AuditUnavailable("the audit journal \(directory) is closed")))
        }
    }
}
