import Foundation

/// A journal's name in the store's `audit_anchor` table: a UUID kept in `<journal>/journal-id` (0600),
/// created the first time the journal is shipped.
enum AuditJournalIdentity {
    /// The file's path in `journal`.
    static func path(in journal: String) -> String { (journal as NSString).appendingPathComponent("journal-id") }

    /// The journal's id, nil when it was never shipped.
    static func read(in journal: String) throws -> String? {
        guard let bytes = try AtomicFile.read(path(in: journal)) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let uuid = UUID(uuidString: text) else { throw AuditFileError("\(path(in: journal)) does not hold a UUID") }
        return uuid.uuidString.lowercased()
    }

    /// The journal's id, created (and written durably) when missing.
    static func readOrCreate(in journal: String) throws -> String {
        if let existing = try read(in: journal) { return existing }
        let id = UUID().uuidString.lowercased()
        try AtomicFile.write(Array("\(id)\n".utf8), to: path(in: journal))
        return id
    }
}
