import Foundation
import Logging

extension AuditLog {
    /// Verifies the journal's chain from `from` (everything when nil), with the database's anchor as an
    /// external anchor and each shipped record's hash in the database compared with the journal's.
    public func verify(from: UInt64?) async throws -> AuditVerification {
        try await Self.verify(journal: configuration.journal, store: store, retention: configuration.retention, from: from)
    }

    /// ``verify(from:)`` without opening the journal for writing (another process may hold it).
    public static func verify(configuration: Configuration, from: UInt64?, logger: Logger) async throws -> AuditVerification {
        let store = try configuration.makeStore(logger: logger)
        do {
            let verification = try await verify(journal: configuration.journal, store: store, retention: configuration.retention, from: from)
            await store?.close()
            return verification
        } catch {
            await store?.close()
            throw error
        }
    }

    static func verify(journal: String, store: (any AuditStore)?, retention: Duration, from: UInt64?, now: Date = Date()) async throws -> AuditVerification {
        guard let store, let journalID = try AuditJournalIdentity.read(in: journal),
              let anchor = try await store.anchor(journal: journalID) else {
            return try AuditVerifier.verify(directory: journal, from: from)
        }
        let external = AuditAnchor(sequence: anchor.sequence, hash: anchor.hash.auditHex, time: anchor.updatedAt)
        var verification = try AuditVerifier.verify(directory: journal, from: from, externalAnchor: external)
        let cutoff = now.addingTimeInterval(-retention.auditSeconds)
        verification.problems += try await storedHashProblems(journal: journal, store: store, from: from ?? 1, through: anchor.sequence, keptSince: cutoff)
        return verification
    }

    /// Compares the database's row hash of every shipped `request` and `action` record with the
    /// journal's, a thousand records at a time. A row missing for a record newer than the retention
    /// cutoff (so never dropped by it) is a problem too.
    static func storedHashProblems(journal: String, store: any AuditStore, from: UInt64, through last: UInt64, keptSince cutoff: Date) async throws -> [AuditVerificationProblem] {
        var problems: [AuditVerificationProblem] = []
        var next = from
        let reader = try AuditJournalReader(directory: journal)
        while next <= last {
            var chunk: [(sequence: UInt64, id: AuditEventID, hash: [UInt8], time: Date, position: AuditRecordPosition)] = []
            var read = 0
            var after = next
            try reader.forEachRecord(from: next) { record, position in
                guard record.sequence >= next else { return true }
                guard record.sequence <= last else { return false }
                after = record.sequence + 1
                read += 1
                if record.entry.kind != .completed { chunk.append((record.sequence, record.entry.id, record.hash, record.entry.time, position)) }
                return read < 1000
            }
            guard read > 0 else { break }
            next = after
            let stored = try await store.recordHashes(ofEvents: chunk.map(\.id))
            for record in chunk {
                if let hash = stored[record.id] {
                    if hash != record.hash {
                        problems.append(AuditVerificationProblem(position: record.position, description: "the database's row for record \(record.sequence) has hash \(hash.auditHex), the journal's record has \(record.hash.auditHex): one of them was changed"))
                    }
                } else if record.time >= cutoff {
                    problems.append(AuditVerificationProblem(position: record.position, description: "record \(record.sequence) was shipped but the database has no row for it: it was removed"))
                }
            }
        }
        return problems
    }
}
