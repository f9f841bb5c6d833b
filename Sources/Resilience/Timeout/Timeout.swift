import Logging
import Metrics

/// Limits how long an operation may run. When the time is up the operation's task is cancelled
/// (structured concurrency) and ``TimeoutError`` is thrown.
///
/// ```swift
/// let timeout = try Timeout(.seconds(2), name: "search")
/// let hits = try await timeout.execute { try await search.query(text) }
/// ```
///
/// Cancellation is cooperative: ``execute(_:)`` returns once the operation has noticed its cancellation,
/// as every structured child task must. Operations that never check for cancellation cannot be cut off.
///
/// Metric: `bulwark_timeout_total{policy}` counts timeouts.
public final class Timeout: ResiliencePolicy {
    /// The policy's name, used in errors, logs and metrics.
    public let name: String
    /// How long the operation may run.
    public let duration: Duration
    private let clock: PolicyClock
    private let logger: Logger
    private let timeouts: Counter

    /// Creates a timeout.
    /// - Parameters:
    ///   - duration: how long the operation may run; must be positive.
    ///   - name: used in errors, logs and metrics. Defaults to `"default"`.
    ///   - clock: the clock the deadline runs on. Defaults to `ContinuousClock`.
    ///   - logger: receives a debug line per timeout.
    /// - Throws: ``ConfigurationError`` when `duration` is not positive.
    public init(
        _ duration: Duration,
        name: String = "default",
        clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "bulwark.timeout")
    ) throws(ConfigurationError) {
        var check = ConfigurationValidator(prefix: "timeout")
        check.require(duration > .zero, "duration", "must be positive, got \(duration)")
        try check.finish()
        self.name = name
        self.duration = duration
        self.clock = PolicyClock(clock)
        self.logger = logger
        self.timeouts = Counter(label: "bulwark_timeout_total", dimensions: [("policy", name)])
    }

    public func execute<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        let clock = self.clock
        let duration = self.duration
        let outcome = try await withoutActuallyEscaping(operation) { operation in
            try await withThrowingTaskGroup(of: Race<T>.self) { group in
                group.addTask { .finished(try await operation()) }
                group.addTask {
                    try await clock.sleep(for: duration)
                    return .deadlinePassed
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            }
        }
        switch outcome {
        case .finished(let value):
            return value
        case .deadlinePassed:
            timeouts.increment()
            logger.debug("operation timed out", metadata: ["policy": "\(name)", "timeout": "\(duration.humanReadable)"])
            throw TimeoutError(policy: name, timeout: duration)
        }
    }

    private enum Race<T: Sendable>: Sendable {
        case finished(T)
        case deadlinePassed
    }
}
