/// The test suite's own HTTP/1.1 parser (RFC 9112 §2–§7; RFC 9110 §5, §8.6): field sections, message
/// framing and the chunked coding. Written from the RFC grammar, sharing nothing with the gateway.
enum WireParser {
    /// The largest length taken seriously; anything above is treated as invalid (no test body is near it).
    static let maximumLength = 1 << 40

    // MARK: Field sections (RFC 9112 §5, RFC 9110 §5.5)

    /// Field lines up to the empty line. `afterStartLine`: the section follows a start line, where a
    /// whitespace-preceded first line is an error (strict) or ignored (lenient, RFC 9112 §2.2).
    static func fields(_ cursor: inout WireCursor, _ syntax: WireSyntax, afterStartLine: Bool) throws(WireError) -> [WireField] {
        var fields: [WireField] = []
        var first = true
        while true {
            let line = try cursor.line(syntax)
            if line.isEmpty { return fields }
            defer { first = false }
            if let lead = line.first, WireBytes.isWhitespace(lead) {
                guard syntax.lenient else {
                    throw .invalid(first && afterStartLine ? "whitespace-preceded line after the start line" : "obs-fold in \"\(WireBytes.escaped(line, limit: 60))\"")
                }
                if first && afterStartLine { continue }  // RFC 9112 §2.2: consumed without further processing
                guard !fields.isEmpty else { throw .invalid("obs-fold with no field before it") }
                let more = try value(line, syntax)  // RFC 9112 §5.2: each obs-fold becomes SP
                fields[fields.count - 1].value = (fields[fields.count - 1].value + " " + more).trimmingOWS()
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw .invalid("field line without a colon: \"\(WireBytes.escaped(line, limit: 60))\"")
            }
            let name = line[..<colon]
            guard WireBytes.isToken(name) else {
                throw .invalid("invalid field name \"\(WireBytes.escaped(name, limit: 60))\" (whitespace before the colon, or a delimiter)")
            }
            fields.append(WireField(name: WireBytes.latin1(name), value: try value(line[(colon + 1)...], syntax)))
        }
    }

    /// A field value without surrounding OWS. CR and NUL are invalid (strict) or SP (lenient, RFC 9110
    /// §5.5); other control characters are invalid in both.
    private static func value(_ raw: some Collection<UInt8>, _ syntax: WireSyntax) throws(WireError) -> String {
        var bytes: [UInt8] = []
        for byte in raw {
            switch byte {
            case WireBytes.htab, 0x20...0x7E, 0x80...0xFF:
                bytes.append(byte)
            case 0x00 where syntax.lenient, WireBytes.cr where syntax.lenient:
                bytes.append(WireBytes.sp)
            default:
                throw .invalid("control character \\x\(String(byte, radix: 16)) in a field value")
            }
        }
        return WireBytes.latin1(bytes).trimmingOWS()
    }

    static func values(_ fields: [WireField], _ name: String) -> [String] {
        fields.filter { $0.name.lowercased() == name }.map(\.value)
    }

    /// The elements of a list-valued field (RFC 9110 §5.6.1): split on commas, OWS trimmed, empty
    /// elements ignored.
    static func listElements(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { String($0).trimmingOWS() }
            .filter { !$0.isEmpty }
    }

    // MARK: Framing (RFC 9112 §6.3)

    /// How the content of a message is delimited.
    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    /// The framing the fields declare. `suspect` (lenient only) reports framing that RFC 9112 §6.1 lets a
    /// recipient process only if it closes the connection afterwards: a Content-Length that
    /// Transfer-Encoding overrode, or Transfer-Encoding in an HTTP/1.0 request. A response whose codings
    /// do not end in chunked is read until close.
    static func framing(_ fields: [WireField], _ syntax: WireSyntax, isRequest: Bool, http10: Bool) throws(WireError) -> (Framing, suspect: Bool) {
        let encodings = values(fields, "transfer-encoding")
        let lengths = values(fields, "content-length")
        if !encodings.isEmpty {
            if isRequest && http10 && !syntax.lenient { throw .invalid("Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1: faulty framing)") }
            if !lengths.isEmpty && !syntax.lenient { throw .invalid("both Content-Length and Transfer-Encoding") }
            let suspect = !lengths.isEmpty || (isRequest && http10)
            let codings = listElements(encodings).map { $0.lowercased() }
            guard codings.last == "chunked" else {
                if isRequest { throw .invalid("Transfer-Encoding \(codings) does not end in chunked (RFC 9112 §6.3 rule 4)") }
                return (.untilClose, suspect)
            }
            guard codings.count == 1 else { throw .invalid("Transfer-Encoding \(codings): only chunked, once, is understood") }
            return (.chunked, suspect)
        }
        if !lengths.isEmpty {
            if !syntax.lenient && lengths.count > 1 { throw .invalid("\(lengths.count) Content-Length fields") }
            let elements = syntax.lenient ? listElements(lengths) : lengths
            var decided: Int?
            for element in elements {
                guard !element.isEmpty, element.utf8.allSatisfy(WireBytes.isDigit) else { throw .invalid("Content-Length \"\(element)\" is not 1*DIGIT") }
                let digits = element.drop { $0 == "0" }
                guard digits.count <= 13, let number = digits.isEmpty ? 0 : Int(digits), number <= maximumLength else {
                    throw .invalid("Content-Length \(element) is too large")
                }
                if let decided, decided != number { throw .invalid("Content-Length values differ: \(lengths)") }
                decided = number
            }
            guard let decided else { throw .invalid("empty Content-Length") }
            return (.length(decided), false)
        }
        return (isRequest ? .none : .untilClose, false)
    }

    /// The content of a message framed as `framing`; `atEnd` says the connection closed after `cursor`'s bytes.
    static func content(_ cursor: inout WireCursor, _ framing: Framing, atEnd: Bool) throws(WireError) -> [UInt8] {
        switch framing {
        case .none: return []
        case .length(let count): return Array(try cursor.take(count))
        case .chunked: return try chunked(&cursor)
        case .untilClose:
            guard atEnd else { throw .incomplete }
            defer { cursor.index = cursor.bytes.count }
            return Array(cursor.remaining)
        }
    }

    // MARK: Chunked (RFC 9112 §7.1): strict in every mode, since no bare LF is allowed there

    static func chunked(_ cursor: inout WireCursor) throws(WireError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let size = try chunkSize(&cursor)
            try chunkExtensions(&cursor)
            try cursor.crlf("after a chunk size")
            if size == 0 {
                _ = try fields(&cursor, .upstream, afterStartLine: false)  // trailer section
                return body
            }
            body += try cursor.take(size)
            try cursor.crlf("after chunk data")
        }
    }

    private static func chunkSize(_ cursor: inout WireCursor) throws(WireError) -> Int {
        var size = 0
        var digits = 0
        while let byte = cursor.peek, let value = WireBytes.hexValue(byte) {
            size = size * 16 + value
            if size > maximumLength { throw .invalid("chunk size overflows") }
            digits += 1
            cursor.index += 1
        }
        if digits == 0 {
            guard let byte = cursor.peek else { throw .incomplete }
            throw .invalid("chunk size starts with \"\(WireBytes.escaped([byte]))\", not a hex digit")
        }
        return size
    }

    /// `*( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )`
    private static func chunkExtensions(_ cursor: inout WireCursor) throws(WireError) {
        func skipBWS() { while let byte = cursor.peek, WireBytes.isWhitespace(byte) { cursor.index += 1 } }
        func token() throws(WireError) {
            let start = cursor.index
            while let byte = cursor.peek, WireBytes.isTChar(byte) { cursor.index += 1 }
            if cursor.index == start {
                if cursor.peek == nil { throw .incomplete }
                throw .invalid("chunk extension: expected a token at \"\(WireBytes.escaped(cursor.remaining.prefix(12)))\"")
            }
        }
        while true {
            let start = cursor.index
            skipBWS()
            guard cursor.peek == UInt8(ascii: ";") else {
                if cursor.peek == nil { throw .incomplete }
                if cursor.index != start { throw .invalid("whitespace after a chunk size that no extension follows") }
                return
            }
            cursor.index += 1
            skipBWS()
            try token()
            let beforeValue = cursor.index
            skipBWS()
            guard cursor.peek == UInt8(ascii: "=") else {
                cursor.index = beforeValue
                continue
            }
            cursor.index += 1
            skipBWS()
            if cursor.peek == UInt8(ascii: "\"") { try quotedString(&cursor) } else { try token() }
        }
    }

    private static func quotedString(_ cursor: inout WireCursor) throws(WireError) {
        cursor.index += 1
        while true {
            guard let byte = cursor.peek else { throw .incomplete }
            cursor.index += 1
            switch byte {
            case UInt8(ascii: "\""): return
            case UInt8(ascii: "\\"):
                guard let escaped = cursor.peek else { throw .incomplete }
                guard escaped == WireBytes.htab || escaped >= 0x20 && escaped != 0x7F else { throw .invalid("bad quoted-pair in a chunk extension") }
                cursor.index += 1
            case WireBytes.htab, 0x20...0x7E, 0x80...0xFF: continue
            default: throw .invalid("control character in a quoted chunk extension")
            }
        }
    }
}

extension String {
    /// Without leading and trailing SP and HTAB.
    func trimmingOWS() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(scalars[first...last])
    }
}
