/// A query's events read from the journal: request and action records after a sequence, each request
/// merged with its `completed` record, kept only when they can match the query; plus the `completed`
/// records whose request came before the scan (shipped already).
///
/// Memory stays bounded: once many candidates pile up, only the newest that can still make the page
/// are kept (except under `kind: completed` or a status filter, where a request's fate is open until
/// its completion).
struct AuditJournalScan {
    /// The candidates, by id.
    private(set) var events: [AuditEventID: AuditEvent] = [:]
    /// `completed` records read, by id (those whose request came before the scan included).
    private(set) var completions: [AuditEventID: AuditEntry] = [:]
    let query: AuditQuery
    private let pruneAt: Int

    /// The query without its status filter: what a record must match before its completion is read.
    private let statusOpen: AuditQuery

    init(query: AuditQuery) {
        self.query = query
        var statusOpen = query
        statusOpen.status = nil
        self.statusOpen = statusOpen
        pruneAt = 4 * (query.pageSize + 1) + 10_000
    }

    /// Reads the records of the journal in `directory` after `sequence`.
    static func scan(directory: String, after sequence: UInt64, query: AuditQuery) throws -> AuditJournalScan {
        var scan = AuditJournalScan(query: query)
        try AuditJournalReader(directory: directory).forEachRecord(from: sequence + 1) { record, _ in
            if record.sequence > sequence { scan.add(record.entry) }
            return true
        }
        return scan
    }

    /// Takes one record's entry.
    mutating func add(_ entry: AuditEntry) {
        switch entry.kind {
        case .completed:
            completions[entry.id] = entry
            if let event = events[entry.id] { events[entry.id] = event.completed(by: entry) }
        case .request, .action:
            let event = AuditEvent(entry: entry, isCompleted: false)
            // A request may still complete, and its completion may bring another status (an admin
            // action's answer, a retry's): judge it as if it had completed, leaving the status to the end.
            guard statusOpen.matches(AuditEvent(entry: entry, isCompleted: true)) else { return }
            events[entry.id] = events[entry.id] ?? event
            if events.count > pruneAt, query.kind != .completed, query.status == nil { prune() }
        }
    }

    /// The events that match, completions applied.
    var matching: [AuditEvent] { events.values.filter(query.matches) }

    private mutating func prune() {
        let kept = events.values.sorted { AuditEntryOrder.newerFirst($0.entry, $1.entry) }.prefix(query.pageSize + 1)
        events = Dictionary(uniqueKeysWithValues: kept.map { ($0.entry.id, $0) })
    }
}
