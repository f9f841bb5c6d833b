import Foundation
import Logging

extension AuditLog {
    /// A page of events: from the database (when configured) plus the journal records not shipped
    /// yet, or from the journal alone.
    public func query(_ query: AuditQuery) async throws -> AuditPage {
        try await Self.query(journal: configuration.journal, store: store, query)
    }

    /// A page of events, read without opening the journal for writing (so another process may hold it).
    public static func query(configuration: Configuration, _ query: AuditQuery, logger: Logger) async throws -> AuditPage {
        let store = try configuration.makeStore(logger: logger)
        do {
            let page = try await Self.query(journal: configuration.journal, store: store, query)
            await store?.close()
            return page
        } catch {
            await store?.close()
            throw error
        }
    }

    static func query(journal: String, store: (any AuditStore)?, _ query: AuditQuery) async throws -> AuditPage {
        guard let store else {
            return query.page(of: try AuditJournalScan.scan(directory: journal, after: 0, query: query).matching)
        }
        let shipped = try AuditShipPosition.read(in: journal).sequence
        let tail = try AuditJournalScan.scan(directory: journal, after: shipped, query: query)
        let stored = try await store.events(matching: query, completedElsewhere: Set(tail.completions.keys))
        var events: [AuditEventID: AuditEvent] = [:]
        for entry in stored {
            let completion = tail.completions[entry.id]
            events[entry.id] = AuditEvent(entry: completion.map(entry.completed(by:)) ?? entry, isCompleted: true)
        }
        // A tail record already in the database (a crash before the position was written) counts once.
        for event in tail.matching where events[event.entry.id] == nil {
            events[event.entry.id] = event
        }
        return query.page(of: Array(events.values))
    }
}
