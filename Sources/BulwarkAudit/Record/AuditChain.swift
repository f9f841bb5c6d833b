/// Following the hash chain: the pure check of one record against the one before it, shared by the
/// journal's recovery, `bulwark audit verify` and the shipper.
public struct AuditChain: Sendable, Equatable {
    /// The previous hash of the first record ever written: 32 zero bytes.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The last record's sequence (0 before the first).
    public private(set) var sequence: UInt64
    /// The last record's hash (``genesis`` before the first).
    public private(set) var head: [UInt8]

    /// A chain whose last record is `sequence` with hash `head`; by default, an empty one.
    public init(sequence: UInt64 = 0, head: [UInt8] = AuditChain.genesis) {
        self.sequence = sequence
        self.head = head
    }

    /// How a record fails to follow.
    public enum Break: Sendable, Equatable, CustomStringConvertible {
        /// Its sequence is not the next one (a record removed, inserted or reordered).
        case sequence(expected: UInt64, found: UInt64)
        /// Its previous hash is not the last record's hash (a record before it edited or replaced).
        case link(sequence: UInt64)

        public var description: String {
            switch self {
            case .sequence(let expected, let found): "expected record \(expected), found record \(found)"
            case .link(let sequence): "record \(sequence) does not follow the record before it (its previous hash differs)"
            }
        }
    }

    /// Appends `record` when it follows the last one; otherwise says why not and changes nothing.
    public mutating func append(_ record: AuditRecord) -> Break? {
        guard record.sequence == sequence + 1 else { return .sequence(expected: sequence + 1, found: record.sequence) }
        guard record.previousHash == head else { return .link(sequence: record.sequence) }
        sequence = record.sequence
        head = record.hash
        return nil
    }

    /// Starts following from `record` without checking its link (verification `--from` a record, or a
    /// journal whose older segments were removed by retention).
    public mutating func restart(at record: AuditRecord) {
        sequence = record.sequence
        head = record.hash
    }
}
