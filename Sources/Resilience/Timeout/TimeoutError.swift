/// Thrown by ``Timeout`` when the operation did not finish in time. The operation was cancelled.
public struct TimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The timeout policy's name.
    public var policy: String
    /// The limit that was exceeded.
    public var timeout: Duration

    /// Creates the error for policy `policy` and limit `timeout`.
    public init(policy: String, timeout: Duration) {
        self.policy = policy
        self.timeout = timeout
    }

    public var description: String {
        "timeout '\(policy)': the operation did not finish within \(timeout.humanReadable) and was cancelled"
    }
}
