/// A position in PostgreSQL's write-ahead log (a `pg_lsn`), as text `16/B374D848`: the high and low 32
/// bits in hexadecimal. Positions order as the log does, so a replica whose replay position is at least
/// the primary's current one has caught up.
///
/// ```swift
/// WALPosition("16/B374D848")?.value   // 0x16_B374_D848
/// WALPosition("0/0") == WALPosition(0) // true
/// WALPosition("16-B374")              // nil
/// ```
public struct WALPosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The position as one 64-bit number.
    public var value: UInt64

    /// The position `value`.
    public init(_ value: UInt64) { self.value = value }

    /// Parses `HIGH/LOW`, each 1–8 hexadecimal digits (either case), as PostgreSQL prints a `pg_lsn`;
    /// nil for anything else (no signs, spaces or prefixes).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let high = Self.half(parts[0]), let low = Self.half(parts[1]) else { return nil }
        value = UInt64(high) << 32 | UInt64(low)
    }

    /// `HIGH/LOW` in upper-case hexadecimal without leading zeros, as PostgreSQL prints it (`16/B374D848`).
    public var description: String {
        "\(String(value >> 32, radix: 16, uppercase: true))/\(String(value & 0xFFFF_FFFF, radix: 16, uppercase: true))"
    }

    /// Orders positions as the log does.
    public static func < (lhs: WALPosition, rhs: WALPosition) -> Bool { lhs.value < rhs.value }

    /// One half: 1–8 hexadecimal digits.
    private static func half(_ text: Substring) -> UInt32? {
        guard (1...8).contains(text.utf8.count), text.utf8.allSatisfy(\.isHexDigit) else { return nil }
        return UInt32(text, radix: 16)
    }
}

extension UInt8 {
    /// `0-9`, `a-f` or `A-F`.
    fileprivate var isHexDigit: Bool {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }
}
