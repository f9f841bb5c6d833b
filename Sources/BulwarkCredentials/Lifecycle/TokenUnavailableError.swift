/// Thrown to a caller waiting for a token when none can be had: the refresh it waited for failed and no
/// unexpired token is left, or the provider was shut down. The message says which, and never shows a secret.
public struct TokenUnavailableError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why no token could be had.
    public enum Reason: Sendable, Hashable {
        /// The refresh failed (the fetch pipeline's attempts included) and no unexpired token is left.
        case refreshFailed(RefreshFailure)
        /// The provider was shut down.
        case shutDown
    }

    /// The token provider's name.
    public var provider: String
    /// Why no token could be had.
    public var reason: Reason

    /// Creates the error.
    public init(provider: String, reason: Reason) {
        self.provider = provider
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .refreshFailed(let failure):
            "credentials '\(provider)': no valid access token, the token endpoint could not issue one: \(failure)"
        case .shutDown:
            "credentials '\(provider)': the token provider has been shut down"
        }
    }
}
