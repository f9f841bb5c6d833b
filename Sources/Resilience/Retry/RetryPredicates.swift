/// Ready-made answers to "is this error worth another attempt?".
public enum RetryPredicates {
    /// Retries every error except `CancellationError`. (An enclosing deadline cancels the retry itself,
    /// which then stops; a ``TimeoutError`` from a per-attempt timeout inside the retry is retried.)
    @Sendable
    public static func retryableByDefault(_ error: any Error) -> Bool {
        !(error is CancellationError)
    }

    /// Retries errors that look transient on a network: connection refused or reset, timeouts, and
    /// errors that report an HTTP status of 5xx or 429 through ``HTTPStatusReporting``, or declare
    /// themselves transient through ``TransientErrorClassifying``.
    @Sendable
    public static func networkOrServerError(_ error: any Error) -> Bool {
        if let classified = error as? any TransientErrorClassifying { return classified.isTransient }
        if let status = error as? any HTTPStatusReporting { return isRetryableStatus(status.httpStatus) }
        if error is TimeoutError { return true }
        return false
    }

    /// Retries a result that reports a 5xx or 429 HTTP status through ``HTTPStatusReporting``.
    @Sendable
    public static func serverErrorResult(_ result: any Sendable) -> Bool {
        guard let status = result as? any HTTPStatusReporting else { return false }
        return isRetryableStatus(status.httpStatus)
    }

    /// 429 and every 5xx except 501 (Not Implemented) and 505 (HTTP Version Not Supported), which do
    /// not change on a retry.
    public static func isRetryableStatus(_ status: Int) -> Bool {
        status == 429 || ((500...599).contains(status) && status != 501 && status != 505)
    }
}

/// An error or a result that carries an HTTP status code, so that policies can classify it without
/// knowing the HTTP library in use.
public protocol HTTPStatusReporting: Sendable {
    /// The HTTP status code, e.g. 503.
    var httpStatus: Int { get }
}

/// An error that knows whether it is transient (a reset connection) or permanent (a bad request).
public protocol TransientErrorClassifying: Error {
    /// `true` when trying again may succeed.
    var isTransient: Bool { get }
}

/// An error that tells callers how long to wait before trying again, like an HTTP `Retry-After` header,
/// an open circuit breaker or a rate limiter's decision. ``Retry`` waits at least this long.
public protocol RetryAfterProviding: Error {
    /// How long to wait before trying again, or `nil` when unknown.
    var retryAfter: Duration? { get }
}
