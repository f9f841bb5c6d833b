import Foundation
import Logging
import Metrics
import Resilience

/// Turns ``TokenProviderEvent``s into log lines, metrics and the user's event handler. Never logs a token
/// or a secret: events carry neither.
///
/// Metrics (all labelled `name`):
/// - `bulwark_credentials_refreshes_total{outcome}`: `success`, `failure`
/// - `bulwark_credentials_token_expiry_timestamp_seconds`: when the current token expires (Unix time)
/// - `bulwark_credentials_failing`: 1 while the last refresh failed, else 0
struct TokenProviderTelemetry: Sendable {
    let name: String
    let logger: Logger
    let onEvent: (@Sendable (TokenProviderEvent) -> Void)?
    let successes: Counter
    let failures: Counter
    let expiry: Gauge
    let failing: Gauge

    init(configuration: TokenProviderConfiguration) {
        name = configuration.name
        logger = configuration.logger
        onEvent = configuration.onEvent
        successes = Counter(label: "bulwark_credentials_refreshes_total", dimensions: [("name", name), ("outcome", "success")])
        failures = Counter(label: "bulwark_credentials_refreshes_total", dimensions: [("name", name), ("outcome", "failure")])
        expiry = Gauge(label: "bulwark_credentials_token_expiry_timestamp_seconds", dimensions: [("name", name)])
        failing = Gauge(label: "bulwark_credentials_failing", dimensions: [("name", name)])
    }

    func record(_ event: TokenProviderEvent) {
        let metadata: Logger.Metadata = ["credentials": "\(name)"]
        switch event {
        case .refreshStarted(_, let reason):
            logger.debug("credentials '\(name)': requesting a token (\(reason))", metadata: metadata)
        case .refreshSucceeded(_, let reason, let lifetime, let nextRenewalIn):
            successes.increment()
            failing.record(0)
            expiry.record(Date().timeIntervalSince1970 + lifetime.seconds)
            logger.info(
                "credentials '\(name)': new token (\(reason)), valid for \(lifetime.humanReadable), renewed in \(nextRenewalIn.humanReadable)",
                metadata: metadata
            )
        case .refreshFailed(_, let reason, let failure, let validFor):
            failures.increment()
            failing.record(1)
            if let validFor {
                logger.warning(
                    "credentials '\(name)': token refresh (\(reason)) failed, the current token stays in use for \(validFor.humanReadable): \(failure)",
                    metadata: metadata
                )
            } else {
                logger.error("credentials '\(name)': token refresh (\(reason)) failed and no valid token is left: \(failure)", metadata: metadata)
            }
        case .tokenRejected:
            logger.notice("credentials '\(name)': a request with the current token was answered 401; the token is dropped", metadata: metadata)
        case .shutDown:
            logger.debug("credentials '\(name)': shut down", metadata: metadata)
        }
        onEvent?(event)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
