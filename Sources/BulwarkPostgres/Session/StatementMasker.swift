/// The hand-written lexer behind ``StatementText/masked(_:)``: one pass over the Unicode scalars,
/// following PostgreSQL's own scanner (scan.l) only as far as masking needs.
struct StatementMasker {
    private let input: [Unicode.Scalar]
    private var index = 0
    private var output = String.UnicodeScalarView()
    /// The separator owed before the next token: " " for a whitespace run, "\n" after a `--` comment.
    private var pending: Unicode.Scalar?

    init(_ sql: String) {
        input = Array(sql.unicodeScalars)
    }

    mutating func run() -> String {
        while index < input.count {
            let scalar = input[index]
            if Self.isSpace(scalar) {
                skipSpace()
            } else if scalar == "'" {
                maskString(backslashEscapes: false)
            } else if scalar == "\"" {
                copyQuotedIdentifier()
            } else if scalar == "-", peek(1) == "-" {
                copyLineComment()
            } else if scalar == "/", peek(1) == "*" {
                copyBlockComment()
            } else if scalar == "$" {
                dollar()
            } else if Self.isDigit(scalar) || (scalar == "." && peek(1).map(Self.isDigit) == true) {
                maskNumber()
            } else if Self.isIdentifierStart(scalar) {
                identifierOrPrefixedString()
            } else {
                emit(scalar)
                index += 1
            }
        }
        return String(output)
    }

    // MARK: Tokens

    private mutating func skipSpace() {
        while index < input.count, Self.isSpace(input[index]) { index += 1 }
        if pending == nil { pending = " " }
    }

    /// A string literal starting with the quote at `index` (any prefix letter already consumed).
    private mutating func maskString(backslashEscapes: Bool) {
        index += 1
        while index < input.count {
            let scalar = input[index]
            if backslashEscapes, scalar == "\\" {
                index += 2
            } else if scalar == "'" {
                if peek(1) == "'" {
                    index += 2
                } else {
                    index += 1
                    break
                }
            } else {
                index += 1
            }
        }
        index = min(index, input.count)
        emit("?")
    }

    private mutating func copyQuotedIdentifier() {
        flushPending()
        output.append(input[index])
        index += 1
        while index < input.count {
            let scalar = input[index]
            output.append(scalar)
            index += 1
            if scalar == "\"" {
                if peek(0) == "\"" {
                    output.append(scalar)
                    index += 1
                } else {
                    return
                }
            }
        }
    }

    private mutating func copyLineComment() {
        flushPending()
        var space = false
        while index < input.count, input[index] != "\n", input[index] != "\r" {
            let scalar = input[index]
            index += 1
            if Self.isSpace(scalar) {
                space = true
            } else {
                if space { output.append(" ") }
                space = false
                output.append(scalar)
            }
        }
        if index < input.count { pending = "\n" }
    }

    private mutating func copyBlockComment() {
        flushPending()
        output.append(contentsOf: ["/", "*"])
        index += 2
        var depth = 1
        var space = false
        while index < input.count, depth > 0 {
            let scalar = input[index]
            if Self.isSpace(scalar) {
                space = true
                index += 1
                continue
            }
            if space { output.append(" ") }
            space = false
            if scalar == "/", peek(1) == "*" {
                depth += 1
                output.append(contentsOf: ["/", "*"])
                index += 2
            } else if scalar == "*", peek(1) == "/" {
                depth -= 1
                output.append(contentsOf: ["*", "/"])
                index += 2
            } else {
                output.append(scalar)
                index += 1
            }
        }
    }

    /// `$1` (kept), `$tag$…$tag$` (masked), or a lone `$` (kept).
    private mutating func dollar() {
        if let next = peek(1), Self.isDigit(next) {
            emit("$")
            index += 1
            while index < input.count, Self.isDigit(input[index]) {
                output.append(input[index])
                index += 1
            }
            return
        }
        var end = index + 1
        if end < input.count, Self.isIdentifierStart(input[end]) {
            end += 1
            while end < input.count, Self.isIdentifierStart(input[end]) || Self.isDigit(input[end]) { end += 1 }
        }
        guard end < input.count, input[end] == "$" else {
            emit("$")
            index += 1
            return
        }
        let delimiter = input[index...end]
        index = end + 1
        while index < input.count {
            if input[index] == "$", input[index...].starts(with: delimiter) {
                index += delimiter.count
                emit("?")
                return
            }
            index += 1
        }
        emit("?")
    }

    /// Digits with an optional fraction and exponent, a `0x`/`0o`/`0b` integer, and any letters stuck to
    /// it (PostgreSQL rejects those as trailing junk; masking them too is the safe side).
    private mutating func maskNumber() {
        if input[index] == "0", let radix = peek(1), "xXoObB".unicodeScalars.contains(radix) {
            index += 2
        } else {
            skipDigits()
            if peek(0) == "." {
                index += 1
                skipDigits()
            }
            if let e = peek(0), e == "e" || e == "E" {
                if let next = peek(1), Self.isDigit(next) {
                    index += 1
                } else if let sign = peek(1), sign == "+" || sign == "-", let digit = peek(2), Self.isDigit(digit) {
                    index += 2
                }
                skipDigits()
            }
        }
        while index < input.count, Self.isIdentifierStart(input[index]) || Self.isDigit(input[index]) { index += 1 }
        emit("?")
    }

    private mutating func skipDigits() {
        while index < input.count, Self.isDigit(input[index]) || input[index] == "_" { index += 1 }
    }

    /// An identifier or keyword (kept), or the one-letter prefix of an `E'…'`, `B'…'`, `X'…'`, `N'…'`
    /// string (masked with its string).
    private mutating func identifierOrPrefixedString() {
        let start = index
        index += 1
        while index < input.count, Self.isIdentifierPart(input[index]) { index += 1 }
        if index - start == 1, peek(0) == "'" {
            switch input[start] {
            case "e", "E":
                maskString(backslashEscapes: true)
                return
            case "b", "B", "x", "X", "n", "N":
                maskString(backslashEscapes: false)
                return
            default:
                break
            }
        }
        flushPending()
        output.append(contentsOf: input[start..<index])
    }

    // MARK: Output

    private mutating func emit(_ scalar: Unicode.Scalar) {
        flushPending()
        output.append(scalar)
    }

    /// Writes the owed separator, unless nothing was written yet (the start is trimmed).
    private mutating func flushPending() {
        if let separator = pending, !output.isEmpty { output.append(separator) }
        pending = nil
    }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        let position = index + offset
        return position < input.count ? input[position] : nil
    }

    // MARK: Classes (as scan.l: any non-ASCII scalar is an identifier character)

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}": true
        default: false
        }
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x30 && scalar.value <= 0x39
    }

    private static func isIdentifierStart(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A) || value == 0x5F || value >= 0x80
    }

    private static func isIdentifierPart(_ scalar: Unicode.Scalar) -> Bool {
        isIdentifierStart(scalar) || isDigit(scalar) || scalar == "$"
    }
}
