/// A token as a token endpoint issued it, before the provider stamps it with the time it asked.
///
/// Its ``description`` never shows the token.
public struct TokenGrant: Sendable, Hashable, CustomStringConvertible {
    /// The access token.
    public var value: String
    /// How long it is valid: `expires_in`, or the configured default lifetime when the response had none.
    public var lifetime: Duration

    /// Creates a grant.
    public init(value: String, lifetime: Duration) {
        self.value = value
        self.lifetime = lifetime
    }

    /// `TokenGrant(***, lifetime: …)`.
    public var description: String { "TokenGrant(***, lifetime: \(lifetime))" }
}
