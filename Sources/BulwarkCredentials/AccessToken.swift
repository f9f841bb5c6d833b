/// A bearer token and when it stops being valid, as a token endpoint issued it.
///
/// Its ``description`` never shows the token itself, so it can be logged or interpolated safely.
public struct AccessToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The token, sent as `Authorization: Bearer <value>`.
    public let value: String
    /// When it was issued, on the provider's clock (seconds since an arbitrary origin).
    public let issuedAt: Duration
    /// How long it is valid from `issuedAt`.
    public let lifetime: Duration

    /// Creates a token.
    public init(value: String, issuedAt: Duration, lifetime: Duration) {
        self.value = value
        self.issuedAt = issuedAt
        self.lifetime = lifetime
    }

    /// When it expires, on the provider's clock.
    public var expiresAt: Duration { issuedAt + lifetime }

    /// `AccessToken(***, lifetime: 3600s)`: never the value.
    public var description: String { "AccessToken(***, lifetime: \(lifetime))" }
    /// Same as ``description``.
    public var debugDescription: String { description }
    /// The fields without the value, for `dump` and debuggers.
    public var customMirror: Mirror {
        Mirror(self, children: ["value": "***", "issuedAt": issuedAt, "lifetime": lifetime])
    }
}
