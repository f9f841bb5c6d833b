/// `upstreams.NAME.credentials`: a credential the gateway holds for the upstream and adds to every request
/// sent to it, so the apps behind never see or renew it.
///
/// ```yaml
/// credentials:
///   oauth2_client_credentials:
///     token_url: https://auth.vendor.com/oauth/token
///     client_id: bulwark
///     client_secret: ${VENDOR_SECRET}
///   renew_before: 1h
/// # or
/// credentials: { header: X-Api-Key, value: ${LEGACY_KEY} }
/// ```
public enum UpstreamCredentialsSettings: Sendable, Hashable {
    /// An OAuth2 access token (RFC 6749 §4.4), sent as `Authorization: Bearer …`.
    case oauth2ClientCredentials(OAuth2ClientCredentialsSettings)
    /// A fixed header, e.g. `X-Api-Key`, replacing any value the client sent.
    case header(name: String, value: SecretText)
}

/// `credentials.oauth2_client_credentials` with `renew_before` and `pass_client_authorization`.
public struct OAuth2ClientCredentialsSettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `default_lifetime`: used when the token response has no `expires_in`.
        public static let defaultLifetime = Duration.seconds(3600)
        /// `renew_before`: 10 % of the token's lifetime.
        public static let renewBefore = RenewalLead.fraction(0.1)
    }

    /// How the client authenticates to the token endpoint.
    public enum AuthMethod: String, Sendable, Hashable, CaseIterable {
        /// HTTP Basic with the form-encoded id and secret (RFC 6749 §2.3.1; the default).
        case basic
        /// `client_id` and `client_secret` in the form body.
        case post
    }

    /// The token endpoint.
    public var tokenURL: String
    /// The client identifier.
    public var clientID: String
    /// The client secret (never shown).
    public var clientSecret: SecretText
    /// Default `basic`.
    public var authMethod: AuthMethod = .basic
    /// The `scope` parameter; nil sends none.
    public var scope: String?
    /// The `audience` parameter; nil sends none.
    public var audience: String?
    /// The lifetime assumed when the response has no `expires_in`. Default 1 h.
    public var defaultLifetime: Duration = Defaults.defaultLifetime
    /// PEM file of the CAs the token endpoint's certificate must chain to; nil uses the system store.
    public var ca: String?
    /// How long before expiry the token is renewed. Default 10 % of its lifetime.
    public var renewBefore: RenewalLead = Defaults.renewBefore
    /// Whether a client's own `Authorization` is passed on instead of the gateway's token. Default false.
    public var passClientAuthorization = false

    /// Creates settings.
    public init(tokenURL: String, clientID: String, clientSecret: SecretText) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
}

/// How long before a token's expiry it is renewed.
public enum RenewalLead: Sendable, Hashable {
    /// A fixed time, e.g. 1 h.
    case duration(Duration)
    /// A fraction of the token's lifetime, e.g. 0.1 for `10%`.
    case fraction(Double)
}

/// A value that must never be shown: its descriptions are `***`.
public struct SecretText: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself, for the one place that sends it.
    public let value: String
    /// Wraps `value`.
    public init(_ value: String) { self.value = value }
    /// `***`.
    public var description: String { "***" }
    /// `***`.
    public var debugDescription: String { "***" }
}
