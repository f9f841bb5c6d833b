/// How long a value stays usable, and how it may be used once it is old. Times count from when the value
/// was loaded:
///
/// ```
/// loaded ──── ttl ────▶ fresh ends ── stale_while_revalidate ──▶ ── stale_if_error ──▶ gone
///            served as is          served, refreshed behind       served only if a reload fails
/// ```
public struct CacheEntryOptions: Sendable, Hashable {
    /// How long the value is fresh. Must be positive.
    public var ttl: Duration
    /// After ``ttl``: how long the old value is still served at once while one reload runs behind it.
    /// Defaults to zero.
    public var staleWhileRevalidate: Duration
    /// After the revalidation window: how long the old value is served when a reload fails (the loader
    /// throws), instead of the error. Defaults to zero.
    public var staleIfError: Duration
    /// Tags to invalidate the value by (``TieredCache/invalidate(tag:)``).
    public var tags: [String]
    /// Whether a fresh value may be reloaded a little before ``ttl`` ends, with a probability that grows
    /// as the end nears and with how long the value took to load (XFetch), so that a hot key's reload is
    /// spread out instead of every instance missing at the same instant. Defaults to true.
    public var refreshesEarly: Bool

    /// Options for a value fresh for `ttl`.
    public init(
        ttl: Duration, staleWhileRevalidate: Duration = .zero, staleIfError: Duration = .zero,
        tags: [String] = [], refreshesEarly: Bool = true
    ) {
        self.ttl = ttl
        self.staleWhileRevalidate = staleWhileRevalidate
        self.staleIfError = staleIfError
        self.tags = tags
        self.refreshesEarly = refreshesEarly
    }
}
