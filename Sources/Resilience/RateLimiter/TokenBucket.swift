/// The token bucket as a pure function of its stored state: `burst` tokens, refilled continuously at
/// `limit / window`; a request takes `cost` tokens or is denied. Times are nanoseconds on the limiter's clock.
public enum TokenBucket {
    /// A bucket's stored state.
    public struct State: Sendable, Hashable {
        /// Tokens in the bucket at ``updatedAt``.
        public var tokens: Double
        /// When ``tokens`` was computed.
        public var updatedAt: Int64

        /// Creates a state.
        public init(tokens: Double, updatedAt: Int64) {
            self.tokens = tokens
            self.updatedAt = updatedAt
        }
    }

    /// Decides one request and returns the decision and the state to store.
    @inlinable
    public static func decide(
        state stored: State?,
        policy: RateLimitPolicy,
        cost: Int,
        now: Int64
    ) -> (decision: RateLimitDecision, state: State) {
        let capacity = Double(policy.burst)
        let perNanosecond = Double(policy.limit) / Double(policy.windowNanoseconds)
        var tokens = capacity
        if let stored {
            let elapsed = Double(max(0, now &- stored.updatedAt))
            tokens = min(capacity, stored.tokens + elapsed * perNanosecond)
        }
        let needed = Double(cost)
        let allowed = tokens >= needed
        if allowed { tokens -= needed }
        let resetAfter = Duration.nanoseconds(Int64(((capacity - tokens) / perNanosecond).rounded(.up)))
        let retryAfter: Duration? = allowed || needed > capacity
            ? nil : .nanoseconds(Int64(((needed - tokens) / perNanosecond).rounded(.up)))
        return (RateLimitDecision(
            allowed: allowed, limit: policy.limit, remaining: Int(tokens.rounded(.down)),
            resetAfter: resetAfter, retryAfter: retryAfter
        ), State(tokens: tokens, updatedAt: now))
    }

    /// The instant after which `state` is the same as a full bucket.
    @inlinable
    public static func expiry(of state: State, policy: RateLimitPolicy) -> Int64 {
        let perNanosecond = Double(policy.limit) / Double(policy.windowNanoseconds)
        let missing = Double(policy.burst) - state.tokens
        return state.updatedAt &+ Int64((missing / perNanosecond).rounded(.up))
    }
}
