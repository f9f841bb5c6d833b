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
///
/// Consecutive ``ResilienceGuard``s (breakers, bulkheads) run as one stage: each admits the call in turn
/// and is told the outcome innermost first, exactly as if nested, without a closure per guard.
public struct ResiliencePipeline: ResiliencePolicy {
    /// The policies, outermost first.
    public let policies: [any ResiliencePolicy]
    @usableFromInline let stages: [Stage]

    @usableFromInline enum Stage: Sendable {
        /// A retry, called directly so that its fast path specialises and inlines into the caller.
        case retry(Retry)
        case wrapping(any ResiliencePolicy)
        case guards([any ResilienceGuard])
    }

    /// A pipeline of `policies`, outermost first.
    public init(_ policies: [any ResiliencePolicy]) {
        self.policies = policies
        var stages: [Stage] = []
        for policy in policies {
            if let guardPolicy = policy as? any ResilienceGuard {
                if case .guards(let previous) = stages.last {
                    stages[stages.count - 1] = .guards(previous + [guardPolicy])
                } else {
                    stages.append(.guards([guardPolicy]))
                }
            } else if let retry = policy as? Retry {
                stages.append(.retry(retry))
            } else {
                stages.append(.wrapping(policy))
            }
        }
        self.stages = stages
    }

    /// A pipeline of `policies`, outermost first.
    public init(_ policies: any ResiliencePolicy...) {
        self.init(policies)
    }

    /// This pipeline with `policy` added as the new innermost policy.
    public func appending(_ policy: any ResiliencePolicy) -> ResiliencePipeline {
        ResiliencePipeline(policies + [policy])
    }

    @inlinable
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

    @inlinable
    func run<T: Sendable>(from stage: Int, _ operation: @Sendable () async throws -> T) async throws -> T {
        guard stage < stages.count else { return try await operation() }
        switch stages[stage] {
        case .retry(let retry):
            return try await retry.execute { try await run(from: stage + 1, operation) }
        case .wrapping(let policy):
            return try await policy.execute { try await run(from: stage + 1, operation) }
        case .guards(let guards):
            return try await runGuards(guards, from: 0, stage: stage, operation)
        }
    }

    /// Admits the call through `guards[first...]` in order, runs the rest of the pipeline, and reports the
    /// outcome to every admitting guard innermost first. A guard that must wait runs the remainder nested.
    @inlinable
    func runGuards<T: Sendable>(
        _ guards: [any ResilienceGuard],
        from first: Int,
        stage: Int,
        _ operation: @Sendable () async throws -> T
    ) async throws -> T {
        var tokens = GuardTokens()
        let value: T
        do {
            while first + tokens.count < guards.count {
                guard let token = try guards[first + tokens.count].admitNow() else { break }
                tokens.append(token)
            }
            let waiting = first + tokens.count
            if waiting < guards.count {
                value = try await guards[waiting].execute {
                    try await runGuards(guards, from: waiting + 1, stage: stage, operation)
                }
            } else {
                value = try await run(from: stage + 1, operation)
            }
        } catch {
            for index in stride(from: tokens.count - 1, through: 0, by: -1) {
                guards[first + index].failed(tokens[index], error: error)
            }
            throw error
        }
        for index in stride(from: tokens.count - 1, through: 0, by: -1) {
            guards[first + index].succeeded(tokens[index], returning: value)
        }
        return value
    }
}
