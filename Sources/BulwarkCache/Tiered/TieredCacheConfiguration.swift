import Resilience

/// The settings of a ``TieredCache``.
///
/// | setting | default |
/// | --- | --- |
/// | ``namespace`` | required: the prefix of every Redis key |
/// | ``memory`` | 10,000 entries, 64 MiB; nil for no memory tier |
/// | ``sharedTimeout`` | 50 ms per Redis command |
/// | ``breaker`` | open after 3 failures in a row, try again after 2 s with one call |
/// | ``earlyRefreshBeta`` | 1.0 (XFetch's β; 0 turns early refresh off) |
public struct TieredCacheConfiguration: Sendable {
    /// Keeps this cache's Redis keys apart from everyone else's.
    public var namespace: CacheNamespace
    /// The memory tier's budget; nil for a cache with the Redis tier only.
    public var memory: MemoryCacheConfiguration?
    /// The limit on each Redis command, waiting for a connection included.
    public var sharedTimeout: Duration
    /// When the Redis tier is skipped and when it is tried again.
    public var breaker: CircuitBreakerConfiguration
    /// XFetch's β: larger refreshes earlier. 1.0 is the paper's optimum; 0 turns it off.
    public var earlyRefreshBeta: Double

    /// The breaker used unless another is given.
    public static func defaultBreaker(name: String) -> CircuitBreakerConfiguration {
        CircuitBreakerConfiguration(name: "cache-\(name)", consecutiveFailureThreshold: 3, openDuration: .seconds(2), permittedCallsInHalfOpen: 1)
    }

    /// Settings with the defaults above.
    public init(
        namespace: CacheNamespace,
        memory: MemoryCacheConfiguration? = MemoryCacheConfiguration(),
        sharedTimeout: Duration = .milliseconds(50),
        breaker: CircuitBreakerConfiguration? = nil,
        earlyRefreshBeta: Double = 1.0
    ) {
        self.namespace = namespace
        self.memory = memory
        self.sharedTimeout = sharedTimeout
        self.breaker = breaker ?? Self.defaultBreaker(name: namespace.name)
        self.earlyRefreshBeta = earlyRefreshBeta
    }

    /// Every problem, each with its key path under `prefix`.
    public func validationIssues(prefix: String = "cache") -> [ConfigurationIssue] {
        var check = ConfigurationValidator(prefix: prefix)
        check.require(!namespace.name.isEmpty && !namespace.name.contains(where: { $0 == " " || $0 == "|" || $0.isNewline }),
                      "namespace", "must be non-empty, without spaces, '|' or line breaks, got '\(namespace.name)'")
        check.require(sharedTimeout > .zero, "shared_timeout", "must be positive, got \(sharedTimeout)")
        check.require(earlyRefreshBeta >= 0 && earlyRefreshBeta.isFinite, "early_refresh_beta", "must be ≥ 0, got \(earlyRefreshBeta)")
        check.merge(breaker.validationIssues(prefix: "\(prefix).breaker"))
        if let memory { check.merge(memory.validationIssues(prefix: "\(prefix).memory")) }
        return check.issues
    }
}
