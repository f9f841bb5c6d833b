/// The token bucket as a pure function of its stored state: `burst` tokens, refilled continuously at one
/// token per emission interval (`window / limit`); a request takes `cost` tokens or is denied.
///
/// Tokens are kept in fixed point, as nanoseconds of refill time (one token = one emission interval), so
/// that the arithmetic is exact: a token due at exactly `now` is there, one nanosecond earlier it is not.
/// Times are nanoseconds on the limiter's clock.
public enum TokenBucket {
    /// A bucket's stored state.
    public struct State: Sendable, Hashable {
        /// The allowance at ``updatedAt``, in nanoseconds of refill time (tokens × emission interval).
        public var credit: Int64
        /// When ``credit`` was computed.
        public var updatedAt: Int64

        /// Creates a state.
        public init(credit: Int64, updatedAt: Int64) {
            self.credit = credit
            self.updatedAt = updatedAt
        }

        /// Whole tokens in the bucket for `policy`.
        public func tokens(for policy: RateLimitPolicy) -> Int {
            Int(credit / policy.emissionIntervalNanoseconds)
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
        let interval = policy.emissionIntervalNanoseconds
        let capacity = saturatingProduct(interval, policy.burst)
        var credit = capacity
        if let stored {
            let elapsed = max(0, now &- stored.updatedAt)
            credit = elapsed >= capacity &- stored.credit ? capacity : stored.credit &+ elapsed
        }
        let needed = saturatingProduct(interval, cost)
        let allowed = credit >= needed
        if allowed { credit &-= needed }
        return (RateLimitDecision(
            allowed: allowed,
            limit: policy.limit,
            remaining: Int(credit / interval),
            resetAfter: .nanoseconds(capacity &- credit),
            retryAfter: allowed || cost > policy.burst ? nil : .nanoseconds(needed &- credit)
        ), State(credit: credit, updatedAt: now))
    }

    /// The instant after which `state` is the same as a full bucket.
    @inlinable
    public static func expiry(of state: State, policy: RateLimitPolicy) -> Int64 {
        state.updatedAt &+ (saturatingProduct(policy.emissionIntervalNanoseconds, policy.burst) &- state.credit)
    }

    @inlinable
    static func saturatingProduct(_ interval: Int64, _ count: Int) -> Int64 {
        let (product, overflow) = interval.multipliedReportingOverflow(by: Int64(count))
        return overflow ? .max / 2 : product
    }
}
