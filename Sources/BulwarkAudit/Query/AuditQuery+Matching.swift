extension AuditQuery {
    /// Whether `event` passes every filter and comes after the cursor (the same test the SQL makes).
    func matches(_ event: AuditEvent) -> Bool {
        let entry = event.entry
        let milliseconds = entry.time.auditMilliseconds
        if let since, milliseconds < since.auditMilliseconds { return false }
        if let until, milliseconds >= until.auditMilliseconds { return false }
        if let actor, entry.actor != actor { return false }
        if let route, entry.route != route { return false }
        if let status, !status.matches(entry.status) { return false }
        switch kind {
        case nil: break
        case .request?: if entry.kind != .request { return false }
        case .action?: if entry.kind != .action { return false }
        case .completed?: if entry.kind != .request || !event.isCompleted { return false }
        }
        if let cursor = cursor.flatMap(AuditCursor.init), !cursor.precedes(entry) { return false }
        return true
    }

    /// The page made of `events` (any order, each matching, no two with one id): the newest
    /// ``pageSize``, and a cursor when more remain.
    func page(of events: [AuditEvent]) -> AuditPage {
        let sorted = events.map(\.entry).sorted(by: AuditEntryOrder.newerFirst)
        let size = pageSize
        guard sorted.count > size else { return AuditPage(events: sorted, nextCursor: nil) }
        let kept = Array(sorted.prefix(size))
        return AuditPage(events: kept, nextCursor: AuditCursor(after: kept[size - 1]).text)
    }
}
