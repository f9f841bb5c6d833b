import Logging
import Resilience

/// Settings for ``TokenProvider``.
///
/// | property | default |
/// | --- | --- |
/// | ``name`` | `"default"` |
/// | ``renewal`` | ``TokenRenewalPolicy`` defaults: renew when 10% of the lifetime is left, retry a failed refresh after 10 s |
/// | ``logger`` | `bulwark.credentials` |
/// | ``onEvent`` | `nil` |
public struct TokenProviderConfiguration: Sendable {
    /// The provider's name (an upstream's name in the gateway), in logs, metrics, events and errors.
    public var name: String
    /// When to renew and how to pace refreshes after a failure.
    public var renewal: TokenRenewalPolicy
    /// Receives refreshes (debug), renewals (info) and failures (warning; error once no valid token is left).
    public var logger: Logger
    /// Called for every ``TokenProviderEvent`` after logging and metrics.
    public var onEvent: (@Sendable (TokenProviderEvent) -> Void)?

    /// Creates a configuration; see the table above for defaults.
    public init(
        name: String = "default",
        renewal: TokenRenewalPolicy = TokenRenewalPolicy(),
        logger: Logger = Logger(label: "bulwark.credentials"),
        onEvent: (@Sendable (TokenProviderEvent) -> Void)? = nil
    ) {
        self.name = name
        self.renewal = renewal
        self.logger = logger
        self.onEvent = onEvent
    }

    /// Every problem with this configuration, with key paths below `prefix`.
    public func validationIssues(prefix: String = "credentials") -> [ConfigurationIssue] {
        var check = ConfigurationValidator(prefix: prefix)
        check.require(!name.isEmpty, "name", "must not be empty")
        check.merge(renewal.validationIssues(prefix: check.path("renewal")))
        return check.issues
    }
}
