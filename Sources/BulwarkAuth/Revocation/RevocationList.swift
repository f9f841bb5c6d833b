import Resilience

/// The revoked tokens and users one gateway knows of, as a pure value: no clock, no I/O, no lock. Every
/// question takes `now` in seconds since 1970. ``TokenRevocation`` keeps one behind a lock and feeds it
/// from the store and the invalidation bus.
///
/// ```swift
/// var list = RevocationList(maxTTL: .seconds(86_400), leeway: .seconds(30))
/// list.insert(.forToken(token), now: now)
/// list.isRevoked(token, now: now)            // true until the token's exp + leeway
/// list.purgeExpired(now: later)
/// ```
///
/// An entry refuses tokens until its ``RevocationEntry/effectiveUntil(now:maxTTL:leeway:)``; purging
/// only forgets entries past that time, so it never changes an answer.
public struct RevocationList: Sendable, Hashable {
    private struct SubjectKey: Sendable, Hashable {
        var issuer: String
        var subject: String
    }

    /// How long an entry lives when its token's `exp` is unknown, and how long after its `before` a
    /// subject entry lives, in seconds.
    public let maxTTL: Double
    /// How long after its `exp` the verifier still accepts a token, in seconds.
    public let leeway: Double
    private var byJTI: [String: Double] = [:]
    private var byFingerprint: [String: Double] = [:]
    private var subjects: [SubjectKey: Double] = [:]

    /// An empty list.
    /// - Parameters:
    ///   - maxTTL: `auth.revocation.max_ttl`: the life of an entry whose token's `exp` is unknown.
    ///   - leeway: `auth.jwt.leeway`: entries outlive their token's `exp` by this much.
    public init(maxTTL: Duration = .seconds(86_400), leeway: Duration = .zero) {
        self.maxTTL = Self.seconds(maxTTL)
        self.leeway = Self.seconds(leeway)
    }

    /// Entries held, expired ones not purged yet included.
    public var count: Int { byJTI.count + byFingerprint.count + subjects.count }

    /// Adds `entry`; a token entry already held keeps the later end, a subject keeps the later `before`.
    /// - Returns: whether the list changed (false for an entry already held or already past its end, and
    ///   for a token id that is neither `jti:` nor `sha256:`).
    @discardableResult
    public mutating func insert(_ entry: RevocationEntry, now: Double) -> Bool {
        let until = entry.effectiveUntil(now: now, maxTTL: maxTTL, leeway: leeway)
        guard until > now else { return false }
        switch entry {
        case .token(let id, _):
            if id.hasPrefix("jti:") { return Self.extend(&byJTI, String(id.dropFirst(4)), to: until) }
            if id.hasPrefix("sha256:") { return Self.extend(&byFingerprint, String(id.dropFirst(7)), to: until) }
            return false
        case .subject(let issuer, let subject, let before):
            return Self.extend(&subjects, SubjectKey(issuer: issuer, subject: subject), to: before)
        }
    }

    /// Whether `token` is revoked at `now`: its `jti` or its fingerprint is listed, or its user is listed
    /// with a `before` after the token's `iat` (a token without `iat` counts as issued before). `iat` is
    /// whole seconds rounded down, so `iat` = `before` means issued at or after `before`: not revoked;
    /// a fractional `before` (the admin API's "now") revokes every token of its second up to it.
    public func isRevoked(_ token: VerifiedToken, now: Double) -> Bool {
        if let jti = token.tokenID, let until = byJTI[jti], now < until { return true }
        if let until = byFingerprint[token.fingerprint], now < until { return true }
        if let subject = token.subject, let before = subjects[SubjectKey(issuer: token.issuer, subject: subject)],
           now < before + maxTTL + leeway, (token.issuedAt ?? -.infinity) < before {
            return true
        }
        return false
    }

    /// Forgets the entries that refuse nothing any more at `now`.
    /// - Returns: how many were forgotten.
    @discardableResult
    public mutating func purgeExpired(now: Double) -> Int {
        let before = count
        byJTI = byJTI.filter { $0.value > now }
        byFingerprint = byFingerprint.filter { $0.value > now }
        subjects = subjects.filter { $0.value + maxTTL + leeway > now }
        return before - count
    }

    /// Replaces every entry with `entries` (those already past their end left out).
    public mutating func replaceAll(with entries: [RevocationEntry], now: Double) {
        byJTI = [:]
        byFingerprint = [:]
        subjects = [:]
        for entry in entries { insert(entry, now: now) }
    }

    /// Every entry held, each in a form that refuses the same tokens until the same time: a token entry
    /// carries its end (`exp` + leeway, or its `max_ttl` end) as `expiresAt`, and so keeps its
    /// ``RevocationEntry/storageKey``.
    public var entries: [RevocationEntry] {
        byJTI.map { RevocationEntry.token(id: RevocationEntry.tokenID(jti: $0.key), expiresAt: $0.value - leeway) }
            + byFingerprint.map { RevocationEntry.token(id: RevocationEntry.tokenID(fingerprint: $0.key), expiresAt: $0.value - leeway) }
            + subjects.map { RevocationEntry.subject(issuer: $0.key.issuer, subject: $0.key.subject, before: $0.value) }
    }

    private static func extend<Key>(_ table: inout [Key: Double], _ key: Key, to value: Double) -> Bool {
        if let held = table[key], held >= value { return false }
        table[key] = value
        return true
    }

    private static func seconds(_ duration: Duration) -> Double { max(0, duration.secondsDouble) }
}
