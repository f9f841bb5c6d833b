/// A guard that runs an operation under some protection: retry, circuit breaking, a timeout, a bulkhead,
/// a rate limit. Every policy in this library conforms, so they compose into a ``ResiliencePipeline``.
///
/// Conform your own guard by running the operation (zero or more times) and returning or throwing:
///
/// ```swift
/// struct Logged: ResiliencePolicy {
///     func execute<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
///         print("calling"); defer { print("done") }
///         return try await operation()
///     }
/// }
/// ```
public protocol ResiliencePolicy: Sendable {
    /// Runs `operation` under this policy and returns its result or throws.
    func execute<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T
}
