import Logging
import Metrics

/// Turns ``RetryEvent``s into log lines, metrics and the user's event handler.
///
/// Metrics (all labelled `policy`):
/// - `bulwark_retry_calls_total{outcome}`: `success`, `success_after_retry`, `exhausted`, `gave_up`
/// - `bulwark_retry_retries_total`: attempts that were retried
@usableFromInline
struct RetryTelemetry: Sendable {
    let name: String
    let logger: Logger
    let onEvent: (@Sendable (RetryEvent) -> Void)?
    let succeededFirstTime: Counter
    let succeededAfterRetry: Counter
    let exhausted: Counter
    let gaveUp: Counter
    let retries: Counter

    init(configuration: RetryConfiguration) {
        name = configuration.name
        logger = configuration.logger
        onEvent = configuration.onEvent
        func calls(_ outcome: String) -> Counter {
            Counter(label: "bulwark_retry_calls_total", dimensions: [("policy", configuration.name), ("outcome", outcome)])
        }
        succeededFirstTime = calls("success")
        succeededAfterRetry = calls("success_after_retry")
        exhausted = calls("exhausted")
        gaveUp = calls("gave_up")
        retries = Counter(label: "bulwark_retry_retries_total", dimensions: [("policy", configuration.name)])
    }

    /// The hot path: a call succeeded; no event value is built unless someone listens.
    @usableFromInline
    func succeeded(attempts: Int) {
        (attempts == 1 ? succeededFirstTime : succeededAfterRetry).increment()
        if let onEvent { onEvent(.succeeded(policy: name, attempts: attempts)) }
    }

    func record(_ event: RetryEvent) {
        switch event {
        case .succeeded(_, let attempts):
            (attempts == 1 ? succeededFirstTime : succeededAfterRetry).increment()
        case .retrying(let failure):
            retries.increment()
            logger.warning(
                "attempt \(failure.attempt)/\(failure.maxAttempts) failed: \(describe(failure.error)); retrying in \(failure.delay.humanReadable)",
                metadata: [
                    "policy": "\(name)", "attempt": "\(failure.attempt)",
                    "delay_ms": "\(failure.delay.nanoseconds / 1_000_000)",
                ]
            )
        case .exhausted(let exhaustion):
            exhausted.increment()
            logger.error(
                "all \(exhaustion.attempts) attempts failed; last: \(describe(exhaustion.lastError))",
                metadata: ["policy": "\(name)", "attempts": "\(exhaustion.attempts)"]
            )
        case .gaveUp(let exhaustion):
            gaveUp.increment()
            logger.debug(
                "not retrying after attempt \(exhaustion.attempts) (\(exhaustion.reason.rawValue)): \(describe(exhaustion.lastError))",
                metadata: ["policy": "\(name)", "reason": "\(exhaustion.reason.rawValue)"]
            )
        }
        onEvent?(event)
    }

    private func describe(_ error: (any Error)?) -> String {
        error.map { String(describing: $0) } ?? "result rejected by shouldRetryResult"
    }
}
