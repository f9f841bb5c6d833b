/// An entity-tag (RFC 9110 §8.8.3): an opaque quoted string, possibly marked weak with `W/`.
struct EntityTag: Equatable, Sendable {
    /// Whether the tag is weak (`W/"…"`).
    var isWeak: Bool
    /// The opaque tag without its quotes.
    var opaque: String

    /// Parses one entity-tag, e.g. `"abc"` or `W/"abc"`, surrounding OWS allowed; `nil` when malformed.
    init?(_ text: Substring) {
        var rest = text.trimmingOWS()
        isWeak = rest.hasPrefix("W/")
        if isWeak { rest = rest.dropFirst(2) }
        guard rest.count >= 2, rest.first == "\"", rest.last == "\"" else { return nil }
        let inner = rest.dropFirst().dropLast()
        guard !inner.contains("\"") else { return nil }
        opaque = String(inner)
    }

    /// Weak comparison (§8.8.3.2): the opaque tags are equal, whether or not either is weak.
    func weaklyMatches(_ other: EntityTag) -> Bool {
        opaque == other.opaque
    }

    /// Splits an `If-None-Match`-style list into tags; `*` is not handled here. Malformed members are skipped.
    ///
    /// Commas inside the quotes belong to the tag (`etagc` allows them).
    static func list(_ text: String) -> [EntityTag] {
        var tags: [EntityTag] = []
        var start = text.startIndex
        var inQuotes = false
        for index in text.indices {
            if text[index] == "\"" { inQuotes.toggle() }
            if text[index] == ",", !inQuotes {
                if let tag = EntityTag(text[start..<index]) { tags.append(tag) }
                start = text.index(after: index)
            }
        }
        if let tag = EntityTag(text[start...]) { tags.append(tag) }
        return tags
    }
}
