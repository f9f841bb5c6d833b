/// The answer of a rate limiter for one request.
public struct RateLimitDecision: Sendable, Hashable {
    /// Whether the request may proceed.
    public var allowed: Bool
    /// The policy's limit per window (the IETF `q`).
    public var limit: Int
    /// Requests still allowed right now, after this one.
    public var remaining: Int
    /// Time until the allowance is whole again (the IETF `t`; legacy `RateLimit-Reset`).
    public var resetAfter: Duration
    /// When denied: time until this request would be allowed (`Retry-After`). `nil` when allowed, or when
    /// the request's cost exceeds the burst and can never be allowed.
    public var retryAfter: Duration?

    /// Creates a decision.
    public init(allowed: Bool, limit: Int, remaining: Int, resetAfter: Duration, retryAfter: Duration?) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.resetAfter = resetAfter
        self.retryAfter = retryAfter
    }
}

/// Thrown by a keyed ``RateLimiter`` used as a policy when a request is over its limit.
public struct RateLimitExceededError: Error, RetryAfterProviding, Hashable, CustomStringConvertible {
    /// The policy's name.
    public var policy: String
    /// The key that is over its limit.
    public var key: String
    /// The decision, with limit and reset time.
    public var decision: RateLimitDecision
    /// Window of the policy, for the message.
    public var window: Duration

    /// How long until the request would be allowed.
    public var retryAfter: Duration? { decision.retryAfter }

    public var description: String {
        let wait = decision.retryAfter.map { "retry in \($0.humanReadable)" } ?? "the request is larger than the burst and can never pass"
        return "rate limit '\(policy)' exceeded for '\(key)': \(decision.limit) per \(window.humanReadable); \(wait)"
    }
}
