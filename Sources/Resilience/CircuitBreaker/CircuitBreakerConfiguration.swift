import Logging

/// Settings for ``CircuitBreaker``, in the spirit of Resilience4j's `CircuitBreakerConfig`.
///
/// | property | default |
/// | --- | --- |
/// | ``failureRateThreshold`` | 50 (%) |
/// | ``slowCallRateThreshold`` | 100 (%) |
/// | ``slowCallDurationThreshold`` | 60 s |
/// | ``slidingWindow`` | `.countBased(100)` |
/// | ``minimumNumberOfCalls`` | 100 |
/// | ``consecutiveFailureThreshold`` | `nil` (off) |
/// | ``openDuration`` | 60 s |
/// | ``openDurationMultiplier`` | 1 (no growth) |
/// | ``maximumOpenDuration`` | 10 min |
/// | ``permittedCallsInHalfOpen`` | 10 |
/// | ``isFailure`` | every error |
/// | ``isIgnored`` | `CancellationError` |
public struct CircuitBreakerConfiguration: Sendable {
    /// Default values, in one place, for docs, decoding and tests.
    public enum Defaults {
        /// The default ``failureRateThreshold``.
        public static let failureRateThreshold = 50.0
        /// The default ``slowCallRateThreshold``.
        public static let slowCallRateThreshold = 100.0
        /// The default ``slowCallDurationThreshold``.
        public static let slowCallDurationThreshold = Duration.seconds(60)
        /// The default ``slidingWindow``.
        public static let slidingWindow = SlidingWindow.countBased(100)
        /// The default ``minimumNumberOfCalls``.
        public static let minimumNumberOfCalls = 100
        /// The default ``openDuration``.
        public static let openDuration = Duration.seconds(60)
        /// The default ``openDurationMultiplier``.
        public static let openDurationMultiplier = 1.0
        /// The default ``maximumOpenDuration``.
        public static let maximumOpenDuration = Duration.seconds(600)
        /// The default ``permittedCallsInHalfOpen``.
        public static let permittedCallsInHalfOpen = 10
    }

    /// The breaker's name, shown in errors, logs, metrics and events.
    public var name: String
    /// Opens when this percentage (0–100) of the calls in the window failed, or more.
    public var failureRateThreshold: Double
    /// Opens when this percentage (0–100) of the calls in the window were slow, or more.
    public var slowCallRateThreshold: Double
    /// A call that takes this long or longer is slow.
    public var slowCallDurationThreshold: Duration
    /// Which recent calls the rates are computed over.
    public var slidingWindow: SlidingWindow
    /// Rates are not evaluated until the window holds this many calls (capped at a count window's size).
    public var minimumNumberOfCalls: Int
    /// When set, the breaker also opens after this many failures in a row, whatever the rates, and a
    /// single failed trial call in half-open re-opens it.
    public var consecutiveFailureThreshold: Int?
    /// How long the breaker stays open before letting trial calls through.
    public var openDuration: Duration
    /// Growth of the open duration when the breaker re-opens without having closed in between:
    /// trip *n* stays open `openDuration × multiplierⁿ⁻¹`, at most ``maximumOpenDuration``. 1 means constant.
    public var openDurationMultiplier: Double
    /// The cap on a growing open duration.
    public var maximumOpenDuration: Duration
    /// Trial calls let through in half-open; their outcomes decide whether it closes or re-opens.
    public var permittedCallsInHalfOpen: Int
    /// Whether an error counts as a failure. Errors that are neither failures nor ignored count as successes.
    public var isFailure: @Sendable (any Error) -> Bool
    /// Whether an error is ignored entirely (neither success nor failure). Checked before ``isFailure``.
    public var isIgnored: @Sendable (any Error) -> Bool
    /// Whether a returned value counts as a failure (e.g. a 503 response). `nil`: results are successes.
    public var isFailureResult: (@Sendable (any Sendable) -> Bool)?
    /// Receives state transitions.
    public var logger: Logger
    /// Called for every ``CircuitBreakerEvent`` after logging and metrics.
    public var onEvent: (@Sendable (CircuitBreakerEvent) -> Void)?

    /// Creates a configuration; see the table above for defaults.
    public init(
        name: String = "default",
        failureRateThreshold: Double = Defaults.failureRateThreshold,
        slowCallRateThreshold: Double = Defaults.slowCallRateThreshold,
        slowCallDurationThreshold: Duration = Defaults.slowCallDurationThreshold,
        slidingWindow: SlidingWindow = Defaults.slidingWindow,
        minimumNumberOfCalls: Int = Defaults.minimumNumberOfCalls,
        consecutiveFailureThreshold: Int? = nil,
        openDuration: Duration = Defaults.openDuration,
        openDurationMultiplier: Double = Defaults.openDurationMultiplier,
        maximumOpenDuration: Duration = Defaults.maximumOpenDuration,
        permittedCallsInHalfOpen: Int = Defaults.permittedCallsInHalfOpen,
        isFailure: @escaping @Sendable (any Error) -> Bool = { _ in true },
        isIgnored: @escaping @Sendable (any Error) -> Bool = { $0 is CancellationError },
        isFailureResult: (@Sendable (any Sendable) -> Bool)? = nil,
        logger: Logger = Logger(label: "bulwark.circuit-breaker"),
        onEvent: (@Sendable (CircuitBreakerEvent) -> Void)? = nil
    ) {
        self.name = name
        self.failureRateThreshold = failureRateThreshold
        self.slowCallRateThreshold = slowCallRateThreshold
        self.slowCallDurationThreshold = slowCallDurationThreshold
        self.slidingWindow = slidingWindow
        self.minimumNumberOfCalls = minimumNumberOfCalls
        self.consecutiveFailureThreshold = consecutiveFailureThreshold
        self.openDuration = openDuration
        self.openDurationMultiplier = openDurationMultiplier
        self.maximumOpenDuration = maximumOpenDuration
        self.permittedCallsInHalfOpen = permittedCallsInHalfOpen
        self.isFailure = isFailure
        self.isIgnored = isIgnored
        self.isFailureResult = isFailureResult
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Every problem with this configuration, with key paths below `prefix`.
    public func validationIssues(prefix: String = "circuitBreaker") -> [ConfigurationIssue] {
        var check = ConfigurationValidator(prefix: prefix)
        check.require((0...100).contains(failureRateThreshold) && failureRateThreshold > 0,
                      "failureRateThreshold", "must be in 0<…≤100 (%), got \(failureRateThreshold)")
        check.require((0...100).contains(slowCallRateThreshold) && slowCallRateThreshold > 0,
                      "slowCallRateThreshold", "must be in 0<…≤100 (%), got \(slowCallRateThreshold)")
        check.require(slowCallDurationThreshold > .zero, "slowCallDurationThreshold", "must be positive")
        switch slidingWindow.kind {
        case .countBased(let size):
            check.require(size >= 1, "slidingWindow", "a count-based window needs ≥ 1 call, got \(size)")
        case .timeBased(let length):
            check.require(length >= .seconds(1), "slidingWindow", "a time-based window must be ≥ 1 s, got \(length)")
        }
        check.require(minimumNumberOfCalls >= 1, "minimumNumberOfCalls", "must be ≥ 1, got \(minimumNumberOfCalls)")
        if let threshold = consecutiveFailureThreshold {
            check.require(threshold >= 1, "consecutiveFailureThreshold", "must be ≥ 1 when set, got \(threshold)")
        }
        check.require(openDuration > .zero, "openDuration", "must be positive, got \(openDuration)")
        check.require(openDurationMultiplier >= 1, "openDurationMultiplier", "must be ≥ 1, got \(openDurationMultiplier)")
        check.require(maximumOpenDuration >= openDuration, "maximumOpenDuration", "must be ≥ openDuration")
        check.require(permittedCallsInHalfOpen >= 1, "permittedCallsInHalfOpen", "must be ≥ 1, got \(permittedCallsInHalfOpen)")
        return check.issues
    }
}

/// The calls a ``CircuitBreaker`` computes its failure and slow-call rates over.
public struct SlidingWindow: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case countBased(Int)
        case timeBased(Duration)
    }

    let kind: Kind

    /// The last `calls` calls.
    public static func countBased(_ calls: Int) -> SlidingWindow { SlidingWindow(kind: .countBased(calls)) }
    /// The calls of the last `duration`, in one-second buckets (rounded up to whole seconds).
    public static func timeBased(_ duration: Duration) -> SlidingWindow { SlidingWindow(kind: .timeBased(duration)) }

    public var description: String {
        switch kind {
        case .countBased(let calls): "last \(calls) calls"
        case .timeBased(let length): "last \(length.humanReadable)"
        }
    }
}
