/// Quotes `${VAR}` references that stand alone as a value outside quotes, before the YAML is parsed, so
/// that `check: { user: monitor, password: ${PG_MONITOR_PASSWORD} }` reads as written. In a flow mapping
/// or list YAML would otherwise end the plain value at the `{` and refuse the file. A quoted value is the
/// same string to the reader (every value is read as text, then expanded), so this changes nothing else.
///
/// Only a reference that is the whole value is quoted: it follows `:`, `,`, `[`, `{` or `- ` and ends at
/// `,`, `}`, `]`, a space, a comment or the end of the line; it holds no quote or backslash. Text inside
/// quotes and comments is left alone.
enum ReferenceQuoting {
    static func quoteStandaloneReferences(in yaml: String) -> String {
        guard yaml.contains("${") else { return yaml }
        return yaml.split(separator: "\n", omittingEmptySubsequences: false).map { quoteLine(Array($0)) }.joined(separator: "\n")
    }

    private static func quoteLine(_ line: [Character]) -> String {
        var output = ""
        var quote: Character?
        var index = 0
        while index < line.count {
            let character = line[index]
            if let open = quote {
                output.append(character)
                if character == open { quote = nil }
                index += 1
                continue
            }
            if character == "#", index == 0 || line[index - 1] == " " || line[index - 1] == "\t" {
                output += String(line[index...])
                break
            }
            if character == "\"" || character == "'", startsValue(line, before: index) { quote = character }
            if character == "$", index + 1 < line.count, line[index + 1] == "{", startsValue(line, before: index),
               let close = line[index...].firstIndex(of: "}"), endsValue(line, after: close),
               !line[index...close].contains(where: { $0 == "\"" || $0 == "\\" || $0 == "'" }) {
                output += "\"" + String(line[index...close]) + "\""
                index = close + 1
                continue
            }
            output.append(character)
            index += 1
        }
        return output
    }

    /// Whether a value starts at `index`: the last character before it that is not a space is `:`, `,`,
    /// `[` or `{`, or a `-` that marks a list item.
    private static func startsValue(_ line: [Character], before index: Int) -> Bool {
        var previous = index - 1
        while previous >= 0, line[previous] == " " || line[previous] == "\t" { previous -= 1 }
        guard previous >= 0 else { return false }
        let spaced = previous < index - 1
        switch line[previous] {
        case ",", "[", "{": return true
        case ":": return spaced
        case "-": return spaced && (previous == 0 || line[previous - 1] == " " || line[previous - 1] == "\t")
        default: return false
        }
    }

    private static func endsValue(_ line: [Character], after close: Int) -> Bool {
        let next = close + 1
        guard next < line.count else { return true }
        return ",}] \t#\r".contains(line[next])
    }
}
