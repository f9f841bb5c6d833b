/// An ``AuditLog``'s state: its journal and, with a database, its shipper.
public struct AuditLogStatus: Sendable, Equatable {
    /// The journal's counters and head.
    public var journal: AuditJournalStatus
    /// The shipper's progress; nil without a database.
    public var shipper: AuditShipperStatus?

    /// A status with these parts.
    public init(journal: AuditJournalStatus, shipper: AuditShipperStatus?) {
        self.journal = journal
        self.shipper = shipper
    }
}
