/// What ``WTinyLFU/set(_:_:cost:expiresAt:now:)`` did (also spelled `WTinyLFU.SetOutcome`).
public struct WTinyLFUSetOutcome: Sendable, Hashable {
    /// Whether the value is held after the call.
    public var stored: Bool
    /// Other entries removed to make room.
    public var evicted: Int
    /// Entries refused: candidates less frequent than their victim, or this value if it was too large.
    public var rejected: Int
    /// Expired entries dropped on the way.
    public var expired: Int

    /// Creates an outcome.
    public init(stored: Bool = false, evicted: Int = 0, rejected: Int = 0, expired: Int = 0) {
        self.stored = stored
        self.evicted = evicted
        self.rejected = rejected
        self.expired = expired
    }
}

extension WTinyLFU {
    /// What ``WTinyLFU/set(_:_:cost:expiresAt:now:)`` did.
    public typealias SetOutcome = WTinyLFUSetOutcome
}
