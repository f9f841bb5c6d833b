import Foundation

/// A snapshot of a ``TokenProvider`` for status pages (`/api/upstreams`) and alerts
/// (`upstream_credentials_failing`). It holds no token and no secret.
public struct CredentialStatus: Sendable, Hashable {
    /// How a refresh ended.
    public struct Refresh: Sendable, Hashable {
        /// When it ended (wall clock).
        public var at: Date
        /// Why it had started.
        public var reason: RefreshReason
        /// Why it failed; `nil` when it succeeded.
        public var failure: RefreshFailure?
        /// Whether it succeeded.
        public var succeeded: Bool { failure == nil }
    }

    /// How serious the provider's trouble is, for an alert.
    public enum Severity: String, Sendable, Hashable {
        /// Refreshes fail but a valid token is still in use.
        case error
        /// Refreshes fail and no valid token is left: requests fail.
        case critical
    }

    /// The provider's name.
    public var name: String
    /// When the current token expires (wall clock), if a token is held (it may have expired).
    public var tokenExpiresAt: Date?
    /// How long the current token stays valid (negative once expired), if a token is held.
    public var tokenExpiresIn: Duration?
    /// Whether a token valid now is held.
    public var hasValidToken: Bool
    /// Whether a refresh is in flight.
    public var refreshing: Bool
    /// Requests waiting for that refresh (there are some only while no valid token is held).
    public var waitingRequests: Int
    /// When the next background refresh is due (wall clock).
    public var nextRefreshAt: Date?
    /// How the last refresh ended.
    public var lastRefresh: Refresh?
    /// When refreshes started failing (the first failure since the last success), if the last one failed.
    public var failingSince: Date?
    /// Failed refreshes in a row.
    public var consecutiveFailures: Int
    /// Whether the provider was shut down.
    public var isShutDown: Bool

    /// Whether the last refresh failed.
    public var isFailing: Bool { failingSince != nil }

    /// `nil` while refreshes succeed; ``Severity/error`` while they fail and a valid token is left;
    /// ``Severity/critical`` once none is.
    public var severity: Severity? {
        guard isFailing else { return nil }
        return hasValidToken ? .error : .critical
    }
}
