import Logging

/// Settings for ``Bulkhead``.
///
/// | property | default |
/// | --- | --- |
/// | ``maxConcurrentCalls`` | 25 |
/// | ``maxWaitingCalls`` | 0 (reject at once when full) |
/// | ``maxWaitDuration`` | 0 s |
public struct BulkheadConfiguration: Sendable {
    /// Default values, in one place, for docs, decoding and tests.
    public enum Defaults {
        /// The default ``maxConcurrentCalls``.
        public static let maxConcurrentCalls = 25
        /// The default ``maxWaitingCalls``.
        public static let maxWaitingCalls = 0
        /// The default ``maxWaitDuration``.
        public static let maxWaitDuration = Duration.zero
    }

    /// The bulkhead's name, shown in errors, logs and metrics.
    public var name: String
    /// Calls allowed to run at the same time.
    public var maxConcurrentCalls: Int
    /// Calls allowed to queue for a slot when all are taken; more are rejected at once.
    public var maxWaitingCalls: Int
    /// How long a queued call waits for a slot before it is rejected. Zero disables queueing.
    public var maxWaitDuration: Duration
    /// Receives rejections (debug level: they are also counted in metrics).
    public var logger: Logger
    /// Called for every ``BulkheadEvent`` after logging and metrics.
    public var onEvent: (@Sendable (BulkheadEvent) -> Void)?

    /// Creates a configuration; see the table above for defaults.
    public init(
        name: String = "default",
        maxConcurrentCalls: Int = Defaults.maxConcurrentCalls,
        maxWaitingCalls: Int = Defaults.maxWaitingCalls,
        maxWaitDuration: Duration = Defaults.maxWaitDuration,
        logger: Logger = Logger(label: "bulwark.bulkhead"),
        onEvent: (@Sendable (BulkheadEvent) -> Void)? = nil
    ) {
        self.name = name
        self.maxConcurrentCalls = maxConcurrentCalls
        self.maxWaitingCalls = maxWaitingCalls
        self.maxWaitDuration = maxWaitDuration
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Every problem with this configuration, with key paths below `prefix`.
    public func validationIssues(prefix: String = "bulkhead") -> [ConfigurationIssue] {
        var check = ConfigurationValidator(prefix: prefix)
        check.require(maxConcurrentCalls >= 1, "maxConcurrentCalls", "must be ≥ 1, got \(maxConcurrentCalls)")
        check.require(maxWaitingCalls >= 0, "maxWaitingCalls", "must be ≥ 0, got \(maxWaitingCalls)")
        check.require(maxWaitDuration >= .zero, "maxWaitDuration", "must not be negative")
        return check.issues
    }

    /// Whether calls may queue at all.
    var queues: Bool { maxWaitingCalls > 0 && maxWaitDuration > .zero }
}
