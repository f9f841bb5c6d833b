import Foundation

/// The last journal record known to be in the store: the file `<journal>/shipped`, one line
/// `<sequence> <hash hex>`, written atomically after each shipment commits. A crash between the commit
/// and this write ships the batch again, which the store ignores.
struct AuditShipPosition: Sendable, Equatable {
    /// The last record shipped (0: none yet).
    var sequence: UInt64
    /// Its hash, hex (empty when none yet).
    var hash: String

    /// Nothing shipped yet.
    static let start = AuditShipPosition(sequence: 0, hash: "")

    /// The file's path in `journal`.
    static func path(in journal: String) -> String { (journal as NSString).appendingPathComponent("shipped") }

    /// The position in `journal`, ``start`` when the file is missing.
    static func read(in journal: String) throws -> AuditShipPosition {
        guard let bytes = try AtomicFile.read(path(in: journal)) else { return .start }
        let parts = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard let first = parts.first, let sequence = UInt64(first) else {
            throw AuditFileError("\(path(in: journal)) does not hold a sequence; remove it to ship the journal again from the start")
        }
        return AuditShipPosition(sequence: sequence, hash: parts.count > 1 ? String(parts[1]) : "")
    }

    /// Writes this position to `journal` (temp 0600, fsync, rename, fsync directory).
    func write(in journal: String) throws {
        try AtomicFile.write(Array("\(sequence) \(hash)\n".utf8), to: Self.path(in: journal))
    }
}
