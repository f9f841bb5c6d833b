import Foundation
import Logging
import Resilience
import Synchronization

/// Copies the journal to an ``AuditStore`` in batches, one transaction each, after the position kept in
/// `<journal>/shipped`; retries with backoff behind a circuit breaker and catches up by itself when the
/// store comes back.
///
/// ```swift
/// let shipper = AuditShipper(journal: "/var/lib/bulwark/audit", store: store, logger: logger) {
///     .init(lastSequence: journal.status.lastSequence, durableSequence: journal.status.durableSequence)
/// }
/// try await shipper.run()   // until cancelled
/// ```
///
/// Each batch: read up to ``Options/batchSize`` durable records after the position, ship them, then
/// write the position atomically. A crash between the commit and the position write ships that batch
/// again, which the store ignores (`ON CONFLICT DO NOTHING`). A failure is logged once when shipping
/// starts failing and once when it recovers, with the reason and never the password.
public final class AuditShipper: Sendable {
    /// The journal directory.
    public let directory: String
    /// The pacing and backoff.
    public let options: Options
    let store: any AuditStore
    let progress: @Sendable () -> JournalProgress
    let clock: any Clock<Duration>
    let breaker: CircuitBreaker
    let logger: Logger
    let telemetry: AuditShipperTelemetry
    let machine: Mutex<AuditShipperMachine>
    let current: Mutex<AuditShipperStatus>
    let tail = Mutex<AuditJournalTail?>(nil)
    /// The time of the first record not shipped yet, when known (lag in seconds counts from it).
    let oldestUnshipped = Mutex<Date?>(nil)

    /// A shipper of the journal in `journal` to `store`.
    /// - Parameters:
    ///   - progress: the journal's last and durable sequences (``AuditLog`` passes its journal's status).
    ///   - clock: what the waits are measured on. Defaults to `ContinuousClock`.
    public init(
        journal: String, store: any AuditStore, options: Options = Options(), clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger, progress: @escaping @Sendable () -> JournalProgress
    ) {
        self.directory = journal
        self.store = store
        self.options = options
        self.clock = clock
        self.logger = logger
        self.progress = progress
        self.telemetry = AuditShipperTelemetry()
        // The options' breaker has no invalid values by construction; fall back to a default if it does.
        self.breaker = (try? CircuitBreaker(options.breaker, clock: clock)) ?? (try! CircuitBreaker(CircuitBreakerConfiguration(name: "audit-store"), clock: clock))
        self.machine = Mutex(AuditShipperMachine(interval: options.interval, backoff: options.backoff))
        let shipped = (try? AuditShipPosition.read(in: journal).sequence) ?? 0
        self.current = Mutex(AuditShipperStatus(shippedSequence: shipped, lagEvents: 0, lagSeconds: 0, state: "shipping", lastError: nil))
    }

    /// Where shipping stands now.
    public var status: AuditShipperStatus { current.withLock { $0 } }

    /// Ships batches until the task is cancelled; never throws anything but `CancellationError`.
    public func run() async throws {
        var generator = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            let next: AuditShipperMachine.Next
            do {
                let shipped = try await breaker.execute { try await self.shipOnce() }
                next = settle(machine.withLock { $0.shipped(count: shipped, full: shipped >= options.batchSize) })
            } catch is CancellationError {
                break
            } catch {
                let retryAfter = (error as? CircuitBreakerOpenError)?.retryAfter
                let reason = (error as? CircuitBreakerOpenError).map { _ in self.status.lastError ?? "the audit store's breaker is open" } ?? String(describing: error)
                next = settle(machine.withLock { $0.failed(reason, retryAfter: retryAfter, using: &generator) })
                updateLag(shipped: status.shippedSequence, progress: progress())
            }
            if case .wait(let delay) = next {
                do { try await clock.sleep(for: delay) } catch { break }
            }
        }
        await store.close()
    }

    /// Closes the store's connection (``run()`` does it when it ends; call it after using ``shipOnce()``
    /// alone).
    public func close() async { await store.close() }

    /// Reads the next batch after the position and ships it; returns how many records went (0 when
    /// there was nothing durable to ship). Throws what the journal or the store threw.
    @discardableResult
    public func shipOnce() async throws -> Int {
        let position = try AuditShipPosition.read(in: directory)
        let journalProgress = progress()
        let batch = try readBatch(after: position.sequence, through: journalProgress.durableSequence)
        oldestUnshipped.withLock { $0 = batch.first?.entry.time }
        updateLag(shipped: position.sequence, progress: journalProgress)
        guard let last = batch.last else { return 0 }
        let journalID = try AuditJournalIdentity.readOrCreate(in: directory)
        try await store.ship(batch, journal: journalID)
        try AuditShipPosition(sequence: last.sequence, hash: last.hash.auditHex).write(in: directory)
        telemetry.shipped(batch.count)
        oldestUnshipped.withLock { $0 = nil }
        updateLag(shipped: last.sequence, progress: progress())
        return batch.count
    }

    /// Up to a batch of records after `sequence`, none past `durable`.
    func readBatch(after sequence: UInt64, through durable: UInt64) throws -> [AuditRecord] {
        guard durable > sequence else { return [] }
        let limit = min(options.batchSize, Int(clamping: durable - sequence))
        let directory = directory
        if let batch = tail.withLock({ AuditJournalTail.read(&$0, after: sequence, through: durable, limit: limit, directory: directory) }) {
            return batch
        }
        var batch: [AuditRecord] = []
        batch.reserveCapacity(limit)
        try AuditJournalReader(directory: directory).forEachRecord(from: sequence + 1) { record, _ in
            guard record.sequence > sequence else { return true }
            batch.append(record)
            return batch.count < limit
        }
        return batch
    }

    /// Lag in events from `progress`; in seconds from the oldest unshipped record's time (kept while
    /// the store fails, so the figure grows).
    private func updateLag(shipped: UInt64, progress: JournalProgress) {
        let oldest = oldestUnshipped.withLock { $0 }
        let status = current.withLock { status -> AuditShipperStatus in
            status.shippedSequence = shipped
            status.lagEvents = Int(clamping: progress.lastSequence > shipped ? progress.lastSequence - shipped : 0)
            if status.lagEvents == 0 {
                status.lagSeconds = 0
            } else if let oldest {
                status.lagSeconds = max(0, Date().timeIntervalSince(oldest))
            }
            return status
        }
        telemetry.record(status)
    }

    /// Records the machine's state in the status and logs a switch; returns what to do next.
    private func settle(_ decision: (next: AuditShipperMachine.Next, switch: AuditShipperMachine.Switch?)) -> AuditShipperMachine.Next {
        let (state, lastError) = machine.withLock { ($0.state, $0.lastError) }
        current.withLock {
            $0.state = state.rawValue
            $0.lastError = lastError
        }
        switch decision.switch {
        case .startedFailing(let reason)?:
            logger.error("audit shipping is failing; retrying with backoff", metadata: ["error": "\(reason)", "journal": "\(directory)"])
        case .recovered(let attempts)?:
            logger.notice("audit shipping recovered", metadata: ["failed_attempts": "\(attempts)", "journal": "\(directory)"])
        case nil:
            break
        }
        return decision.next
    }
}

extension [UInt8] {
    /// Lower-case hex.
    var auditHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(count * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
