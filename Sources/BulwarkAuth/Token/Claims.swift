/// A verified token's payload: every claim by name.
public struct Claims: Sendable, Hashable {
    /// The top-level claims.
    public var values: [String: ClaimValue]

    /// Claims from a payload's top-level object.
    public init(_ values: [String: ClaimValue]) {
        self.values = values
    }

    /// The claim `name`; a dotted name (`realm.roles`) reads into nested objects when no top-level claim
    /// has that exact name.
    public subscript(name: String) -> ClaimValue? {
        if let value = values[name] { return value }
        guard name.contains(".") else { return nil }
        var current: ClaimValue = .object(values)
        for part in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard case .object(let object) = current, let next = object[String(part)] else { return nil }
            current = next
        }
        return current
    }
}
