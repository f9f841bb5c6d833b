/// One event as a query sees it: its entry (a request's two records merged) and whether its response
/// ended (a `completed` record came).
struct AuditEvent: Sendable, Equatable {
    var entry: AuditEntry
    var isCompleted: Bool

    init(entry: AuditEntry, isCompleted: Bool) {
        self.entry = entry
        self.isCompleted = isCompleted
    }

    /// This event with `completion` (a `completed` record's entry) merged in.
    func completed(by completion: AuditEntry) -> AuditEvent {
        AuditEvent(entry: entry.completed(by: completion), isCompleted: true)
    }
}
