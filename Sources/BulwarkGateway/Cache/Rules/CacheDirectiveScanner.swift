/// A byte scanner over one `Cache-Control` field value; the parsing half of ``CacheDirective``.
///
/// Lenient by design: it never fails, it skips what it cannot read up to the next comma that is not
/// inside a quoted string.
struct CacheDirectiveScanner {
    private let bytes: [UInt8]
    private var index = 0

    /// Scans `bytes`, a field value in UTF-8.
    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Whether `byte` is a `tchar` (RFC 9110 §5.6.2).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Reads the next list member: `nil` at the end, `.some(nil)` for an empty or nameless member.
    mutating func nextMember() -> CacheDirective?? {
        skipWhitespace()
        guard index < bytes.count else { return nil }
        let nameStart = index
        while index < bytes.count, Self.isTokenByte(bytes[index]) { index += 1 }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
        skipWhitespace()
        var argument: String?
        if index < bytes.count, bytes[index] == UInt8(ascii: "=") {
            index += 1
            skipWhitespace()
            argument = index < bytes.count && bytes[index] == UInt8(ascii: "\"") ? quotedString() : token()
        }
        skipToNextMember()
        return .some(name.isEmpty ? nil : CacheDirective(name: name, argument: argument))
    }

    /// Reads a token (possibly empty) at the cursor.
    private mutating func token() -> String {
        let start = index
        while index < bytes.count, Self.isTokenByte(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Reads a quoted-string (RFC 9110 §5.6.4) starting at the opening quote; an unterminated one ends at the end.
    private mutating func quotedString() -> String {
        index += 1
        var value: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\"), index < bytes.count {
                value.append(bytes[index])
                index += 1
            } else {
                value.append(byte)
            }
        }
        return String(decoding: value, as: UTF8.self)
    }

    /// Skips anything left in this member (garbage after an argument) and the comma that ends it.
    private mutating func skipToNextMember() {
        var inQuotes = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inQuotes {
                if byte == UInt8(ascii: "\\") { index += 1 } else if byte == UInt8(ascii: "\"") { inQuotes = false }
            } else if byte == UInt8(ascii: "\"") {
                inQuotes = true
            } else if byte == UInt8(ascii: ",") {
                return
            }
        }
    }

    /// Skips spaces and tabs (OWS).
    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") { index += 1 }
    }
}
