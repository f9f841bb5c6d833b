/// Several policies composed into one reusable, `Sendable` guard. The first policy is the outermost:
///
/// ```swift
/// let pipeline = ResiliencePipeline(
///     try Timeout(.seconds(10), name: "total"),     // 1. the whole call, all attempts
///     try Retry(RetryConfiguration(maxAttempts: 3)),  // 2. retries what is inside
///     breaker,                                         // 3. fails fast when the dependency is down
///     bulkhead,                                        // 4. caps concurrent calls
///     try Timeout(.seconds(2), name: "attempt")        // 5. each attempt
/// )
/// let user = try await pipeline.execute { try await users.fetch(id) }
/// ```
///
/// runs as `total timeout { retry { breaker { bulkhead { attempt timeout { operation } } } } }`. That
/// order is the recommended one: a breaker inside the retry sees every attempt, and an open breaker's
/// ``CircuitBreakerOpenError`` tells the retry how long to wait; the bulkhead inside the breaker is not
/// held by calls the breaker rejects; the attempt timeout bounds each try while the total timeout bounds
/// them all.
public struct ResiliencePipeline: ResiliencePolicy {
    /// The policies, outermost first.
    public let policies: [any ResiliencePolicy]

    /// A pipeline of `policies`, outermost first.
    public init(_ policies: [any ResiliencePolicy]) {
        self.policies = policies
    }

    /// A pipeline of `policies`, outermost first.
    public init(_ policies: any ResiliencePolicy...) {
        self.policies = policies
    }

    /// This pipeline with `policy` added as the new innermost policy.
    public func appending(_ policy: any ResiliencePolicy) -> ResiliencePipeline {
        ResiliencePipeline(policies + [policy])
    }

    public func execute<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        try await run(from: 0, operation)
    }

    /// Runs `operation` through the pipeline; when it fails with an error `fallback` handles, returns the
    /// fallback's value. The fallback is outermost: it also answers for the pipeline's own rejections.
    public func execute<T: Sendable>(
        fallback: Fallback<T>,
        _ operation: @Sendable () async throws -> T
    ) async throws -> T {
        try await fallback.execute { try await run(from: 0, operation) }
    }

    private func run<T: Sendable>(from index: Int, _ operation: @Sendable () async throws -> T) async throws -> T {
        guard index < policies.count else { return try await operation() }
        return try await policies[index].execute { try await run(from: index + 1, operation) }
    }
}
