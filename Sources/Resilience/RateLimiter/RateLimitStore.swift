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
