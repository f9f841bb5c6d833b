/// The state of a ``CircuitBreaker``.
///
/// ```
///            failure or slow-call rate ≥ threshold,
///            or N consecutive failures
///   ┌────────┐ ─────────────────────────▶ ┌──────┐
///   │ closed │                            │ open │
///   └────────┘ ◀──┐                 ┌──── └──────┘
///                 │ trial calls     │ open duration
///                 │ healthy         ▼ elapsed
///               ┌───────────┐ trial calls failing
///               │ half-open │ ─────────────────▶ open
///               └───────────┘
///   by hand: forceOpen() → forced-open, disable() → disabled, close() / reset() → closed
/// ```
public enum CircuitBreakerState: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Calls pass and their outcomes are recorded.
    case closed
    /// Calls are rejected until the open duration has elapsed.
    case open
    /// A limited number of trial calls pass; their outcomes decide between closed and open.
    case halfOpen = "half_open"
    /// Opened by hand: calls are rejected until ``CircuitBreaker/close()`` or ``CircuitBreaker/reset()``.
    case forcedOpen = "forced_open"
    /// Switched off by hand: calls pass and nothing is recorded.
    case disabled

    public var description: String {
        switch self {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half-open"
        case .forcedOpen: "forced-open"
        case .disabled: "disabled"
        }
    }

    /// Whether calls are rejected in this state (half-open rejects only beyond its trial calls).
    public var rejectsCalls: Bool { self == .open || self == .forcedOpen }
}

/// A change of ``CircuitBreakerState``.
public struct CircuitBreakerTransition: Sendable, Hashable, CustomStringConvertible {
    /// The state before.
    public var from: CircuitBreakerState
    /// The state after.
    public var to: CircuitBreakerState

    /// Creates a transition.
    public init(from: CircuitBreakerState, to: CircuitBreakerState) {
        self.from = from
        self.to = to
    }

    public var description: String { "\(from) → \(to)" }

    /// Transitions the breaker makes by itself, from recorded calls and elapsed time.
    public static let automatic: Set<CircuitBreakerTransition> = [
        .init(from: .closed, to: .open),
        .init(from: .open, to: .halfOpen),
        .init(from: .halfOpen, to: .open),
        .init(from: .halfOpen, to: .closed),
    ]

    /// Transitions made by hand: any state may be forced open, disabled or closed.
    public static let manual: Set<CircuitBreakerTransition> = Set(
        CircuitBreakerState.allCases.flatMap { state in
            [CircuitBreakerState.forcedOpen, .disabled, .closed].filter { $0 != state }.map {
                CircuitBreakerTransition(from: state, to: $0)
            }
        }
    )

    /// Every legal transition; nothing else ever happens.
    public static let legal = automatic.union(manual)
}
