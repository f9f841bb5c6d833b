/// The generic cell rate algorithm as a pure function of the stored theoretical arrival time (TAT).
///
/// With emission interval `T = window / limit` and burst `B`, a request of cost `c` at `now` is allowed when
/// `max(tat, now) + c·T − B·T ≤ now`; the new TAT is then `max(tat, now) + c·T`. All times are nanoseconds
/// on the limiter's clock.
public enum GCRA {
    /// Decides one request and returns the decision and the TAT to store (unchanged when denied).
    @inlinable
    public static func decide(
        tat storedTAT: Int64?,
        policy: RateLimitPolicy,
        cost: Int,
        now: Int64
    ) -> (decision: RateLimitDecision, tat: Int64) {
        let interval = policy.emissionIntervalNanoseconds
        let tolerance = interval &* Int64(policy.burst)
        let tat = max(storedTAT ?? now, now)
        let newTAT = tat &+ interval &* Int64(cost)
        let allowAt = newTAT &- tolerance
        if allowAt <= now {
            let remaining = Int((now &+ tolerance &- newTAT) / interval)
            return (RateLimitDecision(
                allowed: true, limit: policy.limit, remaining: max(0, remaining),
                resetAfter: .nanoseconds(newTAT &- now), retryAfter: nil
            ), newTAT)
        }
        let remaining = max(0, Int((now &+ tolerance &- tat) / interval))
        return (RateLimitDecision(
            allowed: false, limit: policy.limit, remaining: remaining,
            resetAfter: .nanoseconds(tat &- now),
            retryAfter: cost > policy.burst ? nil : .nanoseconds(allowAt &- now)
        ), tat)
    }

    /// The instant after which a stored TAT is the same as no state at all (the allowance is whole).
    @inlinable
    public static func expiry(of tat: Int64) -> Int64 { tat }
}
