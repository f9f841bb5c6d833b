import Synchronization

/// Tokens verified recently, so a client that sends the same token on every request pays for its
/// parsing and signature once, as Envoy's `jwt_cache_config` does. An entry is keyed by the exact token
/// text and belongs to the verifier that verified it (``TokenVerifier/generation``): after a key-set
/// change it is never used. A hit is checked against the token's time window (`exp`, `nbf`, `iat` with
/// the leeway) at each `now`, so an expired token is verified again and refused with its reason.
/// Revocation is not cached: callers check it on every request.
///
/// Bounded by ``capacity`` entries in two generations: when the newer one is full it becomes the older
/// one and the older is dropped, so tokens in use stay and forgotten ones leave, with no per-hit work.
public final class VerifiedTokenCache: Sendable {
    private struct Entry {
        var token: VerifiedToken
        var verifier: UInt64
        var validFrom: Double
        var validUntil: Double
    }

    private struct Generations {
        var newer: [String: Entry] = [:]
        var older: [String: Entry] = [:]
    }

    /// The most tokens remembered.
    public let capacity: Int
    private let generations = Mutex(Generations())

    /// A cache of at most `capacity` tokens (at least 2). Defaults to 4,096: some 4 MB for 1 KB tokens.
    public init(capacity: Int = 4096) {
        self.capacity = max(2, capacity)
    }

    /// `verifier`'s verdict on `token` at `now`: remembered when `token` verified before with the same
    /// verifier and `now` is inside its time window, else verified (and remembered when it verifies).
    public func verify(_ token: Substring, with verifier: TokenVerifier, now: Double) -> TokenVerification {
        let key = String(token)
        let remembered: Entry? = generations.withLock { generations in
            if let entry = generations.newer[key] { return entry }
            guard let entry = generations.older[key] else { return nil }
            Self.insert(entry, for: key, into: &generations, capacity: capacity)
            return entry
        }
        if let remembered, remembered.verifier == verifier.generation, now >= remembered.validFrom, now < remembered.validUntil {
            return .verified(remembered.token)
        }
        let verdict = verifier.verify(token, now: now)
        if case .verified(let verified) = verdict {
            let entry = Entry(token: verified, verifier: verifier.generation, validFrom: Self.validFrom(verified, leeway: verifier.leeway), validUntil: Self.validUntil(verified, leeway: verifier.leeway))
            generations.withLock { Self.insert(entry, for: key, into: &$0, capacity: capacity) }
        }
        return verdict
    }

    /// Tokens remembered now.
    public var count: Int { generations.withLock { $0.newer.count + $0.older.count } }

    private static func insert(_ entry: Entry, for key: String, into generations: inout Generations, capacity: Int) {
        if generations.newer.count >= capacity / 2 {
            generations.older = generations.newer
            generations.newer = [:]
        }
        generations.newer[key] = entry
    }

    /// The first instant the token verifies: its `nbf` and `iat` less the leeway.
    static func validFrom(_ token: VerifiedToken, leeway: Double) -> Double {
        var from = -Double.infinity
        if case .number(let notBefore)? = token.claims["nbf"] { from = max(from, notBefore - leeway) }
        if let issuedAt = token.issuedAt { from = max(from, issuedAt - leeway) }
        return from
    }

    /// The instant it stops verifying: its `exp` plus the leeway.
    static func validUntil(_ token: VerifiedToken, leeway: Double) -> Double {
        token.expiresAt.map { $0 + leeway } ?? .infinity
    }
}
