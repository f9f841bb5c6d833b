import Resilience

/// When a ``TokenLifecycle`` renews its token, and how it paces refreshes after a failure.
///
/// | property | default |
/// | --- | --- |
/// | ``renewBefore`` | 10% of the lifetime |
/// | ``retryInterval`` | 10 s |
/// | ``minimumInterval`` | 1 s |
public struct TokenRenewalPolicy: Sendable, Hashable {
    /// Default values, in one place, for docs, decoding and tests.
    public enum Defaults {
        /// The default ``renewBefore``: when 10% of the lifetime is left.
        public static let renewBefore = RenewBefore.fraction(0.1)
        /// The default ``retryInterval``.
        public static let retryInterval = Duration.seconds(10)
        /// The default ``minimumInterval``.
        public static let minimumInterval = Duration.seconds(1)
    }

    /// How long before expiry a token is renewed in the background; see ``RenewBefore``.
    public var renewBefore: RenewBefore
    /// After a failed refresh (whose attempts the fetch pipeline already retried), how long until the next
    /// background refresh. It is brought forward to the current token's expiry when that comes sooner.
    public var retryInterval: Duration
    /// The shortest time between the end of a refresh and the next background refresh, whatever the
    /// token's lifetime: a token endpoint issuing tokens that expire at once cannot cause a hot loop.
    public var minimumInterval: Duration

    /// Creates a policy; see the table above for defaults.
    public init(
        renewBefore: RenewBefore = Defaults.renewBefore,
        retryInterval: Duration = Defaults.retryInterval,
        minimumInterval: Duration = Defaults.minimumInterval
    ) {
        self.renewBefore = renewBefore
        self.retryInterval = retryInterval
        self.minimumInterval = minimumInterval
    }

    /// Every problem with this policy, with key paths below `prefix`.
    public func validationIssues(prefix: String = "renewal") -> [ConfigurationIssue] {
        var check = ConfigurationValidator(prefix: prefix)
        renewBefore.validate(into: &check, key: "renewBefore")
        check.require(retryInterval > .zero, "retryInterval", "must be positive, got \(retryInterval)")
        check.require(minimumInterval > .zero, "minimumInterval", "must be positive, got \(minimumInterval)")
        return check.issues
    }

    /// When the background refresh after one that succeeded at `now` with `token` is due.
    func renewalDeadline(for token: AccessToken, at now: Duration) -> Duration {
        max(renewBefore.renewalTime(for: token), now + minimumInterval)
    }

    /// When the background refresh after one that failed at `now` is due, `current` being the token still held.
    func retryDeadline(current: AccessToken?, at now: Duration) -> Duration {
        let retry = now + retryInterval
        guard let current, current.expiresAt > now else { return retry }
        return min(retry, max(current.expiresAt, now + minimumInterval))
    }
}
