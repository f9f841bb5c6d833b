import NIOHTTP1

/// One directive of a `Cache-Control` (or `Pragma`) field: a lower-cased name and an optional argument.
///
/// The argument is stored unquoted: `max-age=60` and `max-age="60"` both give `"60"` (RFC 9111 §5.2:
/// recipients accept both the token and the quoted-string form).
struct CacheDirective: Hashable, Sendable {
    /// The directive name, lower-cased (names are case-insensitive, RFC 9111 §5.2).
    let name: String
    /// The argument after `=`, with quoted-string escapes removed; `nil` when the directive has none.
    let argument: String?

    /// Makes a directive; the name is lower-cased.
    init(name: String, argument: String? = nil) {
        self.name = name.lowercased()
        self.argument = argument
    }

    /// Parses every field line of `fieldName` in `headers` into directives, in field order.
    ///
    /// Empty list members are skipped (RFC 9110 §5.6.1); a member without a name is ignored.
    static func parse(_ headers: HTTPHeaders, fieldName: String) -> [CacheDirective] {
        headers[fieldName].flatMap { parse(fieldValue: $0) }
    }

    /// Parses one field value, a comma-separated list of `name[=token|quoted-string]` members.
    static func parse(fieldValue: String) -> [CacheDirective] {
        var scanner = CacheDirectiveScanner(Array(fieldValue.utf8))
        var directives: [CacheDirective] = []
        while let directive = scanner.nextMember() {
            if let directive { directives.append(directive) }
        }
        return directives
    }

    /// Formats directives as one field value, quoting an argument that is not a plain token.
    static func format(_ directives: [CacheDirective]) -> String {
        directives.map { directive in
            guard let argument = directive.argument else { return directive.name }
            if !argument.isEmpty, argument.utf8.allSatisfy(CacheDirectiveScanner.isTokenByte) {
                return "\(directive.name)=\(argument)"
            }
            // By scalar, not by Character: a backslash followed by a combining mark is one Character.
            var quoted = "\""
            for scalar in argument.unicodeScalars {
                if scalar == "\"" || scalar == "\\" { quoted.unicodeScalars.append("\\") }
                quoted.unicodeScalars.append(scalar)
            }
            return "\(directive.name)=\(quoted)\""
        }.joined(separator: ", ")
    }
}
