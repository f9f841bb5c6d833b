/// Why a token refresh failed, as a value fit for logs, status pages and errors: it never carries a
/// secret or a token.
public struct RefreshFailure: Sendable, Hashable, CustomStringConvertible {
    /// What happened, e.g. `token endpoint answered 401: invalid_client (bad secret)`.
    public var message: String
    /// The token endpoint's HTTP status, when it answered.
    public var httpStatus: Int?

    /// Creates a failure.
    public init(message: String, httpStatus: Int? = nil) {
        self.message = message
        self.httpStatus = httpStatus
    }

    public var description: String { message }
}
