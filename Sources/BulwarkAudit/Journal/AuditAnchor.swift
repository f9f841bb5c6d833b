import Foundation

/// The journal's head as last made durable, kept outside the segment files: `<journal>/anchor` (JSON,
/// replaced atomically at most once a second after a group commit, and at close) and, when the shipper
/// runs, the database. ``AuditVerifier`` compares it with the journal, so a journal rewritten whole with
/// a consistent new chain, or cut short, is detected.
///
/// ```json
/// {"hash":"5f0c…","sequence":1234,"time":"2026-11-30T21:00:00Z"}
/// ```
public struct AuditAnchor: Sendable, Equatable, Codable {
    /// The anchored record's sequence.
    public var sequence: UInt64
    /// The anchored record's hash (SHA-256 of its payload), lower-case hexadecimal.
    public var hash: String
    /// When the anchor was taken.
    public var time: Date

    /// An anchor on record `sequence` whose hash is `hash` (hexadecimal), taken at `time`.
    public init(sequence: UInt64, hash: String, time: Date) {
        self.sequence = sequence
        self.hash = hash
        self.time = time
    }

    /// The anchor file's name in the journal directory.
    public static let fileName = "anchor"

    /// The anchor file of the journal in `directory`, nil when there is none yet.
    /// - Throws: ``AuditJournalError`` when the file exists but cannot be read or decoded.
    public static func read(directory: String) throws -> AuditAnchor? {
        let path = JournalFiles.path(directory, fileName)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes = try JournalFiles.read(path)
        do {
            return try decoder.decode(AuditAnchor.self, from: Data(bytes))
        } catch {
            throw AuditJournalError(.damaged, "the audit anchor \(path) is not a valid anchor: \(error)")
        }
    }

    /// Replaces the anchor file of the journal in `directory` with this anchor, atomically.
    func write(directory: String) throws(JournalIOError) {
        let bytes: [UInt8]
        do {
            bytes = Array(try Self.encoder.encode(self))
        } catch {
            throw JournalIOError("encode anchor", code: EINVAL)
        }
        try JournalFiles.replace(JournalFiles.path(directory, Self.fileName), with: bytes + [0x0A])
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
