import Foundation

/// The writer thread's work: turns the schedule's steps into writes, `fsync`s, rotations and anchor
/// updates, keeps the chain, and publishes the status. Created on, and only touched by, that thread.
final class JournalWriter {
    /// What recovery hands the writer.
    struct Start: Sendable {
        let directory: String
        let options: AuditJournal.Options
        let chain: AuditChain
        let segment: JournalSegment
        let offset: Int
        let anchoredSequence: UInt64?
    }

    private let directory: String
    private let options: AuditJournal.Options
    private let queue: JournalQueue<JournalAppend>
    private let board: JournalBoard
    private let lock: JournalLock
    private let telemetry: JournalTelemetry
    /// The chain as written.
    private var chain: AuditChain
    /// The chain as known to be on disk.
    private var durable: AuditChain
    private var anchoredSequence: UInt64?
    private var current: JournalSegment
    private var intactEnd: Int
    private var file: JournalSegmentFile?
    private var failure: String?
    private var eventsWritten = 0
    private var batches = 0
    private var lastBatchSize = 0

    init(start: Start, queue: JournalQueue<JournalAppend>, board: JournalBoard, lock: JournalLock, telemetry: JournalTelemetry) {
        directory = start.directory
        options = start.options
        self.queue = queue
        self.board = board
        self.lock = lock
        self.telemetry = telemetry
        chain = start.chain
        durable = start.chain
        anchoredSequence = start.anchoredSequence
        current = start.segment
        intactEnd = start.offset
    }

    /// Runs steps until the journal is closed and everything queued is written and durable.
    func run() {
        while true {
            switch queue.nextStep() {
            case .write(let batch): write(batch)
            case .sync: syncWritten()
            case .anchor: writeAnchor()
            case .probe: probe()
            case .wait: continue
            case .finish:
                finish()
                return
            }
        }
    }

    private func write(_ batch: [JournalAppend]) {
        var next = chain
        var bytes = [UInt8]()
        var accepted: [(append: JournalAppend, sequence: UInt64)] = []
        for append in batch {
            do {
                let (frame, record) = try AuditRecord.encode(append.entry, sequence: next.sequence + 1, previousHash: next.head)
                next.restart(at: record)
                bytes.append(contentsOf: frame)
                accepted.append((append, record.sequence))
            } catch {
                append.completion?(.failure(AuditUnavailable("the record cannot be written: \(error)")))
            }
        }
        guard !accepted.isEmpty else { return }
        let waitsForDisk = accepted.contains { $0.append.waitForDisk }
        do throws(JournalIOError) {
            let file = try writableFile()
            try file.append(bytes)
            intactEnd = file.offset
            if waitsForDisk {
                do throws(JournalIOError) {
                    try sync(file, through: next)
                } catch {
                    file.takeBack(bytes.count)
                    intactEnd = file.offset
                    throw error
                }
            }
        } catch {
            failed(error.description)
            let unavailable = AuditUnavailable(error.description)
            for item in accepted { item.append.completion?(.failure(unavailable)) }
            return
        }
        chain = next
        queue.update { $0.batchWritten(at: .now, synced: waitsForDisk) }
        eventsWritten += accepted.count
        batches += 1
        lastBatchSize = accepted.count
        telemetry.written(accepted.count)
        succeeded()
        for item in accepted { item.append.completion?(.success(item.sequence)) }
    }

    /// The current segment, opened again after a failure, or a new one once it passed the size limit.
    private func writableFile() throws(JournalIOError) -> JournalSegmentFile {
        let file: JournalSegmentFile
        if let open = self.file {
            file = open
        } else {
            file = try JournalSegmentFile.open(current, in: directory, offset: intactEnd)
            self.file = file
        }
        guard file.offset >= options.segmentBytes, file.hasRecords else { return file }
        // The old segment's records are made durable before it is left behind.
        if durable != chain { try sync(file, through: chain) }
        let next = JournalSegment(firstSequence: chain.sequence + 1)
        let created = try JournalSegmentFile.create(next, in: directory)
        board.state.withLock { state in
            state.sealedBytes += file.offset
            state.currentBytes = created.offset
            state.current = next
            state.status.segments += 1
        }
        self.file = created
        current = next
        intactEnd = created.offset
        return created
    }

    /// `fsync`s `file`, after which the chain through `written` is durable.
    private func sync(_ file: JournalSegmentFile, through written: AuditChain) throws(JournalIOError) {
        let started = ContinuousClock.now
        try file.sync()
        telemetry.synced(records: Int(written.sequence - durable.sequence), in: .now - started)
        durable = written
        queue.update { $0.synced(at: .now) }
    }

    private func syncWritten() {
        guard let file else {
            queue.update { $0.synced(at: .now) }
            return
        }
        do {
            try sync(file, through: chain)
            succeeded()
        } catch {
            failed(error.description)
            queue.update { $0.syncFailed(at: .now) }
        }
    }

    /// The journal is unavailable and idle: appends `probeBytes` zero bytes where the next record goes,
    /// `fsync`s, and cuts them off again. Success makes the journal available (the failure is logged as
    /// over); failure schedules the next probe. A crash between the two leaves zeros that recovery cuts
    /// as a torn tail.
    private func probe() {
        do throws(JournalIOError) {
            let file = try writableFile()
            try file.append([UInt8](repeating: 0, count: Self.probeBytes))
            defer { file.takeBack(Self.probeBytes) }
            try file.sync()
        } catch {
            failed(error.description)
            return
        }
        succeeded()
    }

    /// The bytes a probe writes: one page, as much as a small batch of records.
    static let probeBytes = 4096

    private func writeAnchor() {
        defer { queue.update { $0.anchorWritten(at: .now) } }
        guard durable.sequence > 0, durable.sequence != anchoredSequence else { return }
        let anchor = AuditAnchor(sequence: durable.sequence, hash: JournalHex.encode(durable.head), time: Date())
        do {
            try anchor.write(directory: directory)
            anchoredSequence = durable.sequence
        } catch {
            telemetry.anchorFailed(error.description)
        }
    }

    private func finish() {
        writeAnchor()
        file = nil
        // Closed: no longer taking records (not a failure, so no log line).
        failure = "the audit journal \(directory) is closed"
        publish()
        lock.release()
        queue.markFinished()
    }

    private func failed(_ reason: String) {
        if failure == nil { telemetry.becameUnavailable(reason) }
        failure = reason
        queue.update { $0.becameUnavailable(at: .now) }
        publish()
    }

    private func succeeded() {
        if let failure {
            telemetry.becameAvailable(after: failure)
            queue.update { $0.becameAvailable() }
        }
        failure = nil
        publish()
    }

    private func publish() {
        let bytes = board.state.withLock { state in
            state.currentBytes = intactEnd
            state.status.lastSequence = chain.sequence
            state.status.durableSequence = durable.sequence
            state.status.head = JournalHex.encode(chain.head)
            state.status.available = failure == nil
            state.status.lastFailure = failure
            state.status.eventsWritten = eventsWritten
            state.status.batches = batches
            state.status.lastBatchSize = lastBatchSize
            return state.sealedBytes + state.currentBytes
        }
        telemetry.bytes(bytes)
    }
}
