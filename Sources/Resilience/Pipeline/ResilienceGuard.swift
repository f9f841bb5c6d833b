/// A policy that decides before a call whether it may run, and is told afterwards how it ended: a circuit
/// breaker, a bulkhead. A ``ResiliencePipeline`` runs consecutive guards as one stage, without nesting a
/// closure per guard. (For a single guard, the concrete types offer typed permits:
/// ``CircuitBreaker/acquire()``, ``Bulkhead/acquire()``.)
///
/// ```swift
/// if let token = try breaker.admitNow() {            // throws when the breaker rejects the call
///     do { let value = try await call(); breaker.succeeded(token, returning: value) }
///     catch { breaker.failed(token, error: error); throw error }
/// }
/// ```
public protocol ResilienceGuard: ResiliencePolicy, AnyObject {
    /// Admits a call if that can be decided without waiting.
    /// - Returns: a token to report the outcome with, or `nil` when admission needs to wait (a bulkhead
    ///   queue): then run the call through ``ResiliencePolicy/execute(_:)`` instead.
    /// - Throws: the guard's rejection error.
    func admitNow() throws -> GuardToken?
    /// The call admitted with `token` returned `value`.
    func succeeded<T: Sendable>(_ token: GuardToken, returning value: T)
    /// The call admitted with `token` threw `error`.
    func failed(_ token: GuardToken, error: any Error)
}

/// What a ``ResilienceGuard`` needs to remember about an admitted call: two words, opaque to callers.
public struct GuardToken: Sendable, Hashable {
    @usableFromInline let first: UInt64
    @usableFromInline let second: Int64

    @inlinable
    init(_ first: UInt64 = 0, _ second: Int64 = 0) {
        self.first = first
        self.second = second
    }
}

/// The tokens of the guards a pipeline stage admitted; up to four live inline, more spill to an array.
@usableFromInline
struct GuardTokens {
    @usableFromInline var inline: (GuardToken, GuardToken, GuardToken, GuardToken) = (.init(), .init(), .init(), .init())
    @usableFromInline var overflow: [GuardToken] = []
    @usableFromInline var count = 0

    @inlinable init() {}

    @inlinable
    mutating func append(_ token: GuardToken) {
        switch count {
        case 0: inline.0 = token
        case 1: inline.1 = token
        case 2: inline.2 = token
        case 3: inline.3 = token
        default: overflow.append(token)
        }
        count += 1
    }

    @inlinable
    subscript(index: Int) -> GuardToken {
        switch index {
        case 0: inline.0
        case 1: inline.1
        case 2: inline.2
        case 3: inline.3
        default: overflow[index - 4]
        }
    }
}
