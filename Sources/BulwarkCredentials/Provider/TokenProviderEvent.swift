/// What happened in a ``TokenProvider``. Subscribe through ``TokenProviderConfiguration/onEvent``.
/// No event carries a token or a secret.
public enum TokenProviderEvent: Sendable, Hashable {
    /// A refresh started.
    case refreshStarted(provider: String, reason: RefreshReason)
    /// A refresh returned a token valid for `lifetime`; the next renewal is in `nextRenewalIn`.
    case refreshSucceeded(provider: String, reason: RefreshReason, lifetime: Duration, nextRenewalIn: Duration)
    /// A refresh failed; `tokenValidFor` is how long the token still held stays valid (`nil`: none is).
    case refreshFailed(provider: String, reason: RefreshReason, failure: RefreshFailure, tokenValidFor: Duration?)
    /// A request with the current token was answered 401; the token was dropped.
    case tokenRejected(provider: String)
    /// The provider was shut down.
    case shutDown(provider: String)
}
