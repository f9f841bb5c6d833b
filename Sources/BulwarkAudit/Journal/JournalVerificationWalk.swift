/// The checks of ``AuditVerifier``, as a pure value fed one segment's bytes at a time, oldest first:
/// headers, frames (CRC, JSON), the sequence and hash links within and across segments, and the hashes
/// of the records the anchors name.
struct JournalVerificationWalk {
    /// Verification starts at this record (its own link is not checked); nil: the whole journal.
    let from: UInt64?
    /// Records whose hashes the anchors need.
    let wanted: Set<UInt64>

    private(set) var problems: [AuditVerificationProblem] = []
    private(set) var recordsChecked = 0
    private(set) var firstSequence: UInt64?
    private(set) var lastSequence: UInt64?
    private(set) var head: [UInt8]?
    /// Where the intact data ends: after the last intact record.
    private(set) var end: AuditRecordPosition?
    /// The hashes (and positions) of the wanted records.
    private(set) var found: [UInt64: (hash: [UInt8], position: AuditRecordPosition)] = [:]

    private var chain: AuditChain?
    /// What is known of the record before the next one after a damaged frame.
    private var afterDamage: AfterDamage?

    private enum AfterDamage: Equatable {
        /// One frame was skipped: the next record must be this one; its link cannot be checked.
        case sequenceKnown(UInt64)
        /// The rest of a segment was skipped: neither its sequence nor its link can be checked.
        case unknown
    }

    init(from: UInt64?, wanted: Set<UInt64>) {
        self.from = from
        self.wanted = wanted
    }

    /// Checks `segment`, whose file holds `bytes`; `isLast` when it is the newest one.
    mutating func check(_ segment: JournalSegment, bytes: [UInt8], isLast: Bool) {
        switch segment.checkHeader(bytes) {
        case .valid: break
        case .incomplete:
            report(segment, 0, segment.firstSequence, "the segment is \(bytes.count) bytes, shorter than its 16-byte header")
            return
        case .damaged(let reason):
            report(segment, 0, segment.firstSequence, reason)
        }
        var cursor = JournalSegmentCursor(bytes: bytes)
        var first = true
        while let item = cursor.next() {
            switch item {
            case .record(let record, let offset, let length):
                let position = AuditRecordPosition(segment: segment.fileName, offset: offset, sequence: record.sequence)
                if wanted.contains(record.sequence) { found[record.sequence] = (record.hash, position) }
                if first, record.sequence != segment.firstSequence {
                    report(position, "the segment's name says its first record is \(segment.firstSequence), it holds record \(record.sequence) first")
                }
                first = false
                if let from, record.sequence < from { continue }
                follow(record, at: position)
                recordsChecked += 1
                firstSequence = firstSequence ?? record.sequence
                lastSequence = record.sequence
                head = record.hash
                end = AuditRecordPosition(segment: segment.fileName, offset: offset + length, sequence: record.sequence)
            case .damaged(let offset, let reason, let skipped):
                let expected = expectedSequence(segment, first: first)
                first = false
                let unreadable = skipped == bytes.count - offset && AuditRecord.plausibleFrameLength(bytes, at: offset) == nil
                report(segment, offset, expected, unreadable ? "\(reason); the \(skipped) bytes from here to the end of the segment cannot be read" : reason)
                afterDamage = unreadable || expected == nil ? .unknown : .sequenceKnown(expected! + 1)
            case .torn(let offset, let count):
                let expected = expectedSequence(segment, first: first)
                report(segment, offset, expected, isLast
                    ? "torn tail: the last \(count) bytes end inside a record (a write cut short; the journal truncates it when it is next opened)"
                    : "the segment ends inside a record (\(count) bytes)")
                afterDamage = .unknown
            }
        }
    }

    /// Reports a problem with an anchor, at `position`.
    mutating func report(_ position: AuditRecordPosition, _ description: String) {
        problems.append(AuditVerificationProblem(position: position, description: description))
    }

    private mutating func report(_ segment: JournalSegment, _ offset: Int, _ sequence: UInt64?, _ description: String) {
        report(AuditRecordPosition(segment: segment.fileName, offset: offset, sequence: sequence), description)
    }

    /// The sequence the next record should have.
    private func expectedSequence(_ segment: JournalSegment, first: Bool) -> UInt64? {
        if let chain, afterDamage == nil { return chain.sequence + 1 }
        if case .sequenceKnown(let next) = afterDamage { return next }
        return first ? segment.firstSequence : nil
    }

    private mutating func follow(_ record: AuditRecord, at position: AuditRecordPosition) {
        defer { afterDamage = nil }
        guard var chain else {
            // The first record checked: the genesis link is checked for record 1 of a whole journal;
            // otherwise (a `from`, or older segments removed by retention) the chain starts here.
            var started = AuditChain()
            if from == nil, record.sequence == 1, let problem = started.append(record) { report(position, problem.description) }
            started.restart(at: record)
            self.chain = started
            return
        }
        switch afterDamage {
        case .sequenceKnown(let next) where record.sequence != next:
            report(position, AuditChain.Break.sequence(expected: next, found: record.sequence).description)
        case .sequenceKnown, .unknown:
            break
        case nil:
            if let problem = chain.append(record) { report(position, problem.description) }
        }
        chain.restart(at: record)
        self.chain = chain
    }
}
