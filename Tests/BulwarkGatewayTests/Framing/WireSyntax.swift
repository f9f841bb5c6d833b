/// Why bytes could not be read as an HTTP/1.1 message by the test's own parser.
enum WireError: Error, Equatable, CustomStringConvertible {
    /// More bytes are needed.
    case incomplete
    /// The bytes break RFC 9112 / RFC 9110; the text says where.
    case invalid(String)

    var description: String {
        switch self {
        case .incomplete: "incomplete message"
        case .invalid(let reason): reason
        }
    }
}

/// How strictly the test parser reads. It is independent of the gateway's parser (NIO's llhttp) on purpose:
/// the framing suite compares the two.
struct WireSyntax: Sendable {
    /// Accept what RFC 9112 lets a recipient accept: bare LF line ends, leading empty lines, a
    /// whitespace-preceded line after the start line (ignored), obs-fold, bare CR and NUL in values
    /// (replaced by SP), a request line split on any whitespace, a higher HTTP/1 minor version, a repeated
    /// identical Content-Length, and Transfer-Encoding overriding Content-Length (§6.3 rule 3).
    var lenient: Bool
    /// Accept absolute-form request targets (clients may send them; the gateway must not forward them).
    var allowAbsoluteForm: Bool

    /// What the gateway must send upstream: nothing ambiguous, origin-form only.
    static let upstream = WireSyntax(lenient: false, allowAbsoluteForm: false)
    /// A well-formed client request.
    static let strictClient = WireSyntax(lenient: false, allowAbsoluteForm: true)
    /// A client request as a lenient but RFC-conforming recipient may read it.
    static let lenientClient = WireSyntax(lenient: true, allowAbsoluteForm: true)
}

/// One field line, name as sent, value trimmed of OWS (obs-text kept as Latin-1 characters).
struct WireField: Sendable {
    var name: String
    var value: String
}

/// Byte classes from RFC 9110 §5.6.
enum WireBytes {
    static let cr: UInt8 = 13, lf: UInt8 = 10, sp: UInt8 = 32, htab: UInt8 = 9

    static func isTChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == sp || byte == htab }

    static func latin1(_ bytes: some Sequence<UInt8>) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    static func isToken(_ bytes: some Collection<UInt8>) -> Bool { !bytes.isEmpty && bytes.allSatisfy(isTChar) }

    /// Bytes shown for a failure message: printable ASCII as is, the rest escaped, cut at `limit`.
    static func escaped(_ bytes: some Collection<UInt8>, limit: Int = 600) -> String {
        var text = ""
        for byte in bytes.prefix(limit) {
            switch byte {
            case cr: text += "\\r"
            case lf: text += "\\n"
            case htab: text += "\\t"
            case 0x20...0x7E where byte != UInt8(ascii: "\\"): text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        if bytes.count > limit { text += "… (\(bytes.count) bytes)" }
        return text.isEmpty ? "(nothing)" : text
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A read position in a byte array.
struct WireCursor {
    let bytes: [UInt8]
    var index: Int

    init(_ bytes: [UInt8], at index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    var remaining: ArraySlice<UInt8> { bytes[index...] }

    /// One line without its terminator. Strict: CRLF only and no other CR. Lenient (RFC 9112 §2.2): LF
    /// ends a line, a CR before it is dropped, and a bare CR inside becomes SP.
    mutating func line(_ syntax: WireSyntax) throws(WireError) -> [UInt8] {
        guard let end = bytes[index...].firstIndex(of: WireBytes.lf) else { throw .incomplete }
        var content = Array(bytes[index..<end])
        if content.last == WireBytes.cr {
            content.removeLast()
        } else if !syntax.lenient {
            throw .invalid("bare LF line ending after \"\(WireBytes.escaped(content, limit: 60))\"")
        }
        if content.contains(WireBytes.cr) {
            guard syntax.lenient else { throw .invalid("bare CR in \"\(WireBytes.escaped(content, limit: 60))\"") }
            content = content.map { $0 == WireBytes.cr ? WireBytes.sp : $0 }
        }
        index = end + 1
        return content
    }

    /// Exactly CRLF (chunked framing never accepts a bare LF).
    mutating func crlf(_ what: String) throws(WireError) {
        guard index + 2 <= bytes.count else {
            if index < bytes.count, bytes[index] != WireBytes.cr { throw .invalid("expected CRLF \(what), got \(WireBytes.escaped(bytes[index...], limit: 20))") }
            throw .incomplete
        }
        guard bytes[index] == WireBytes.cr, bytes[index + 1] == WireBytes.lf else {
            throw .invalid("expected CRLF \(what), got \"\(WireBytes.escaped(bytes[index..<min(bytes.count, index + 20)]))\"")
        }
        index += 2
    }

    mutating func take(_ count: Int) throws(WireError) -> ArraySlice<UInt8> {
        guard bytes.count - index >= count else { throw .incomplete }
        defer { index += count }
        return bytes[index..<index + count]
    }

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }
}
