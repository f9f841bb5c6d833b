import Foundation
import NIOCore

/// A value as the cache keeps it, in both tiers: the bytes, when they were loaded, the ends of their
/// windows (Unix time in milliseconds, so instances agree), how long the load took (for early refresh) and
/// the tags. The shared tier stores ``encoded(allocator:)``.
public struct CachedValue: Sendable, Hashable {
    /// The value's bytes.
    public var bytes: ByteBuffer
    /// When it was loaded.
    public var storedAt: Int64
    /// When it stops being fresh.
    public var freshUntil: Int64
    /// When the stale-while-revalidate window ends.
    public var revalidateUntil: Int64
    /// When the stale-if-error window ends; the value is dropped then.
    public var errorUntil: Int64
    /// How long the load took, in milliseconds.
    public var loadMilliseconds: Int64
    /// The value's tags.
    public var tags: [String]
    /// The caller's decoded form of ``bytes``, kept with the value in the memory tier only (never sent to
    /// Redis, and not part of equality): a caller that decodes on every hit can decode once at store time
    /// instead. A value read from Redis has none.
    public var decoded: (any Sendable)?

    /// A value loaded at `now` (Unix milliseconds) under `options`.
    public init(bytes: ByteBuffer, loadedAt now: Int64, loadMilliseconds: Int64, options: CacheEntryOptions) {
        self.bytes = bytes
        self.storedAt = now
        self.freshUntil = now + options.ttl.milliseconds
        self.revalidateUntil = freshUntil + options.staleWhileRevalidate.milliseconds
        self.errorUntil = revalidateUntil + options.staleIfError.milliseconds
        self.loadMilliseconds = loadMilliseconds
        self.tags = options.tags
    }

    /// Equal when everything but ``decoded`` is.
    public static func == (lhs: CachedValue, rhs: CachedValue) -> Bool {
        lhs.bytes == rhs.bytes && lhs.storedAt == rhs.storedAt && lhs.freshUntil == rhs.freshUntil
            && lhs.revalidateUntil == rhs.revalidateUntil && lhs.errorUntil == rhs.errorUntil
            && lhs.loadMilliseconds == rhs.loadMilliseconds && lhs.tags == rhs.tags
    }

    /// Hashes everything but ``decoded``.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
        hasher.combine(storedAt)
        hasher.combine(freshUntil)
        hasher.combine(tags)
    }

    /// Where the value stands at `now` (Unix milliseconds).
    public func state(at now: Int64) -> CachedValueState {
        if now < freshUntil { return .fresh }
        if now < revalidateUntil { return .staleWhileRevalidate }
        if now < errorUntil { return .staleIfError }
        return .expired
    }

    /// XFetch (Vattani et al., "Optimal probabilistic cache stampede prevention"): whether a fresh value
    /// is reloaded now, ahead of its end. True when `now − load time × beta × ln(u) ≥ freshUntil` for a
    /// uniform `u` in (0, 1]: never far from the end, more likely near it and for slow loads.
    public func refreshesEarly(at now: Int64, beta: Double, uniform: Double) -> Bool {
        guard beta > 0, uniform > 0, now < freshUntil else { return false }
        let lead = Double(max(loadMilliseconds, 1)) * beta * -log(uniform)
        return Double(now) + lead >= Double(freshUntil)
    }

    /// Memory the value takes in the memory tier, for its byte budget.
    public var cost: Int { bytes.readableBytes + tags.reduce(96) { $0 + $1.utf8.count + 16 } }
}

/// Where a cached value stands.
public enum CachedValueState: Sendable, Hashable {
    /// Served as is.
    case fresh
    /// Served at once, with one reload behind it.
    case staleWhileRevalidate
    /// Served only when a reload fails.
    case staleIfError
    /// Not served.
    case expired
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
