/// How many requests a key may make: `limit` per `window`, with bursts of up to `burst` at once.
///
/// ```swift
/// let login = RateLimitPolicy(name: "auth", limit: 5, per: .seconds(900))   // 5 per 15 min
/// ```
///
/// Both algorithms admit at most `burst` requests at once and then `limit` per `window` as the
/// allowance refills continuously, so over any span of one window at most `limit + burst` pass.
public struct RateLimitPolicy: Sendable, Hashable, CustomStringConvertible {
    /// The policy's name, shown in `RateLimit-Policy` headers, errors and metrics (e.g. `auth`).
    public var name: String
    /// Requests allowed per ``window`` (the IETF `q`, quota).
    public var limit: Int { didSet { cacheEmissionInterval() } }
    /// The period the limit applies to (the IETF `w`, in seconds).
    public var window: Duration { didSet { cacheEmissionInterval() } }
    /// Requests allowed at once from a full allowance. Defaults to ``limit``.
    public var burst: Int
    /// The algorithm that enforces the policy. Defaults to ``RateLimitAlgorithm/gcra``.
    public var algorithm: RateLimitAlgorithm
    /// How a shared store (Redis) decides: every request asks it, or each instance leases slices of the
    /// allowance and decides locally. Defaults to ``RateLimitSharing/exact``; in-memory stores ignore it.
    public var sharing: RateLimitSharing = .exact

    /// Creates a policy.
    /// - Parameters:
    ///   - name: shown in headers, errors and metrics.
    ///   - limit: requests per window; must be ≥ 1.
    ///   - window: the period; must be positive.
    ///   - burst: requests allowed at once; defaults to `limit`.
    ///   - algorithm: defaults to GCRA.
    public init(name: String, limit: Int, per window: Duration, burst: Int? = nil, algorithm: RateLimitAlgorithm = .gcra) {
        self.name = name
        self.limit = limit
        self.window = window
        self.burst = burst ?? limit
        self.algorithm = algorithm
        cacheEmissionInterval()
    }

    /// The time one request's allowance takes to come back: `window / limit`.
    public var emissionInterval: Duration { .nanoseconds(emissionIntervalNanoseconds) }

    /// ``emissionInterval`` in nanoseconds (at least 1), computed once: the hot path of every decision
    /// needs it and `Duration` division is 128-bit.
    public private(set) var emissionIntervalNanoseconds: Int64 = 1

    /// ``window`` in nanoseconds.
    public private(set) var windowNanoseconds: Int64 = 1

    private mutating func cacheEmissionInterval() {
        windowNanoseconds = max(window.nanoseconds, 1)
        emissionIntervalNanoseconds = max(windowNanoseconds / Int64(max(limit, 1)), 1)
    }

    /// Every problem with this policy, with key paths below `prefix`.
    public func validationIssues(prefix: String = "rateLimit") -> [ConfigurationIssue] {
        var check = ConfigurationValidator(prefix: prefix)
        check.require(!name.isEmpty, "name", "must not be empty")
        check.require(limit >= 1, "limit", "must be ≥ 1, got \(limit)")
        check.require(window > .zero, "window", "must be positive, got \(window)")
        check.require(burst >= 1, "burst", "must be ≥ 1, got \(burst)")
        check.require(sharing == .exact || algorithm == .gcra, "sharing", "leased needs the gcra algorithm")
        return check.issues
    }

    public var description: String { "'\(name)': \(limit) per \(window.humanReadable) (burst \(burst), \(algorithm.rawValue))" }
}

/// The algorithm a ``RateLimitPolicy`` is enforced with.
public enum RateLimitAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// A bucket of `burst` tokens refilled at `limit / window`; each request takes one.
    case tokenBucket = "token_bucket"
    /// The generic cell rate algorithm: one timestamp per key (the theoretical arrival time), the same
    /// admissions as a token bucket with less state. The usual choice for a shared store.
    case gcra
}
