import NIOHTTP1

/// The `Vary` response field (RFC 9110 §12.5.5) as the cache reads it.
enum VaryField {
    /// The field names listed in all `Vary` lines, lower-cased, sorted, without duplicates; `nil` for `Vary: *`.
    static func names(_ headers: HTTPHeaders) -> [String]? {
        var names = Set<String>()
        for line in headers["vary"] {
            for member in line.split(separator: ",") {
                let name = member.trimmingOWS().lowercased()
                if name == "*" { return nil }
                if !name.isEmpty { names.insert(name) }
            }
        }
        return names.sorted()
    }
}
