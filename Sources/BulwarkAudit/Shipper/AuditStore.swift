import Foundation

/// Where the shipper copies the journal: a database that keeps one row per event, idempotent on the
/// event id, and remembers the last record shipped (the journal's anchor outside the journal).
///
/// ```swift
/// let store: any AuditStore = try PostgresAuditStore(url: "postgres://audit@127.0.0.1/audit", logger: logger)
/// try await store.ship(records, journal: journalID)      // one transaction
/// let anchor = try await store.anchor(journal: journalID) // the last record shipped
/// ```
///
/// ``PostgresAuditStore`` is the one implementation today.
public protocol AuditStore: Sendable {
    /// Stores `records` (consecutive journal records) in one transaction: `request` and `action` records
    /// as new rows (an id already stored is skipped), `completed` records fill their request's row, and
    /// the journal's anchor moves to the last record. Shipping the same records twice changes nothing.
    func ship(_ records: [AuditRecord], journal: String) async throws

    /// The last record shipped from `journal`, nil before the first shipment.
    func anchor(journal: String) async throws -> AuditStoreAnchor?

    /// Removes the events wholly older than `cutoff` (whole monthly partitions); returns what went.
    func removeEvents(olderThan cutoff: Date) async throws -> [String]

    /// The events matching `query` after its cursor, newest first, at most `query.limit + 1` (one more
    /// tells the caller a next page exists). Request events whose `completed` record is among
    /// `completedElsewhere` count as completed for a `kind: completed` filter (their completion is
    /// not shipped yet).
    func events(matching query: AuditQuery, completedElsewhere: Set<AuditEventID>) async throws -> [AuditEntry]

    /// The stored record hashes of the events `ids` (their `request` or `action` record's), by id;
    /// an id without a row is absent.
    func recordHashes(ofEvents ids: [AuditEventID]) async throws -> [AuditEventID: [UInt8]]

    /// Closes connections; the store may be used again afterwards (it reconnects).
    func close() async
}

/// The last record a store holds from a journal.
public struct AuditStoreAnchor: Sendable, Equatable {
    /// The record's sequence.
    public var sequence: UInt64
    /// The record's hash.
    public var hash: [UInt8]
    /// When the store recorded it.
    public var updatedAt: Date

    /// An anchor at `sequence` with `hash`.
    public init(sequence: UInt64, hash: [UInt8], updatedAt: Date) {
        self.sequence = sequence
        self.hash = hash
        self.updatedAt = updatedAt
    }
}
