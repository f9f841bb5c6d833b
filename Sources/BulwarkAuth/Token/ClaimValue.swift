/// One claim of a token's payload, as JSON has it.
public enum ClaimValue: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([ClaimValue])
    case object([String: ClaimValue])
    case null

    /// The claim as text in a request header or a rate-limit key: a string as it is, a number as
    /// written (`42`, `1.5`), a boolean as `true`/`false`, an array as its elements' texts joined with
    /// `,`; nil for an object or `null`.
    public var text: String? {
        switch self {
        case .string(let value): value
        case .number(let value):
            value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): value ? "true" : "false"
        case .array(let values):
            values.compactMap(\.text).joined(separator: ",")
        case .object, .null: nil
        }
    }

    /// Whether the claim matches `expected` (`routes[].claims`): its ``text`` equals it, or, for an
    /// array, one element's does.
    public func matches(_ expected: String) -> Bool {
        if case .array(let values) = self { return values.contains { $0.text == expected } }
        return text == expected
    }
}
