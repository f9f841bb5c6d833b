/// Answers with a substitute when an operation fails with a chosen error: a cached value, a default,
/// a degraded response.
///
/// ```swift
/// let fallback = Fallback<[Product]>(handling: { $0 is CircuitBreakerOpenError }) { _ in cachedProducts }
/// let products = try await fallback.execute { try await pipeline.execute { try await catalog.list() } }
/// // or: try await pipeline.execute(fallback: fallback) { try await catalog.list() }
/// ```
///
/// Cancellation is never handled: a cancelled call stays cancelled.
public struct Fallback<Value: Sendable>: Sendable {
    private let handles: @Sendable (any Error) -> Bool
    private let substitute: @Sendable (any Error) async throws -> Value

    /// A fallback computed from the error.
    /// - Parameters:
    ///   - handling: which errors to answer; defaults to every error except cancellation.
    ///   - substitute: produces the value to return instead; may itself throw.
    public init(
        handling: @escaping @Sendable (any Error) -> Bool = { _ in true },
        _ substitute: @escaping @Sendable (any Error) async throws -> Value
    ) {
        self.handles = handling
        self.substitute = substitute
    }

    /// A fallback to a fixed value.
    public init(handling: @escaping @Sendable (any Error) -> Bool = { _ in true }, value: Value) {
        self.init(handling: handling) { _ in value }
    }

    /// Runs `operation`; when it throws an error this fallback handles, returns the substitute instead.
    public func execute(_ operation: @Sendable () async throws -> Value) async throws -> Value {
        do {
            return try await operation()
        } catch {
            guard !(error is CancellationError), !Task.isCancelled, handles(error) else { throw error }
            return try await substitute(error)
        }
    }
}
