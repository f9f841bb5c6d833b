/// Where rate-limit state lives: in this process (``InMemoryRateLimitStore``) or shared by several
/// instances (the Redis store in `BulwarkRedis`). A store keeps its own time, so that instances sharing
/// one store agree on it.
///
/// Conformances must decide atomically: two concurrent requests for one key never both take the last
/// unit of allowance.
///
/// ```swift
/// struct AllowAll: RateLimitStore {
///     func acquire(key: String, policy: RateLimitPolicy, cost: Int) async throws -> RateLimitDecision {
///         RateLimitDecision(allowed: true, limit: policy.limit, remaining: policy.limit,
///                           resetAfter: .zero, retryAfter: nil)
///     }
///     func reset(key: String, policy: RateLimitPolicy) async throws {}
/// }
/// ```
public protocol RateLimitStore: Sendable {
    /// Takes `cost` units of `policy`'s allowance for `key` and says whether the request may proceed.
    /// A denied request takes nothing.
    func acquire(key: String, policy: RateLimitPolicy, cost: Int) async throws -> RateLimitDecision

    /// Forgets `key`'s usage under `policy`: its allowance is whole again.
    func reset(key: String, policy: RateLimitPolicy) async throws
}

/// A shared store that can sometimes decide without waiting: from state this instance already holds
/// (a lease of the allowance, a refusal still in force). Callers on an event loop try this first and
/// only go asynchronous when it answers nil.
public protocol LocallyDecidingRateLimitStore: RateLimitStore {
    /// The decision for `key`, taken now from local state, or nil when deciding needs the shared store
    /// (then nothing was taken, and ``RateLimitStore/acquire(key:policy:cost:)`` decides).
    func decideLocally(key: String, policy: RateLimitPolicy, cost: Int) -> RateLimitDecision?
}
