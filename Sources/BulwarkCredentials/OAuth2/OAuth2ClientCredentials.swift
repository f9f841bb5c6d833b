import Foundation
import Resilience

/// How to obtain tokens with the OAuth 2.0 client credentials grant (RFC 6749 §4.4).
///
/// | property | default |
/// | --- | --- |
/// | ``authMethod`` | ``AuthMethod/basic`` |
/// | ``scope`` | none |
/// | ``audience`` | none |
/// | ``defaultLifetime`` | 1 h |
/// | ``renewBefore`` | 10% of the lifetime |
/// | ``caPath`` | none: the system trust store |
///
/// ```swift
/// let credentials = OAuth2ClientCredentials(
///     tokenURL: "https://auth.vendor.com/oauth/token", clientID: "bulwark", clientSecret: secret,
///     scope: "chargers:read", renewBefore: .duration(.seconds(3600)))
/// try credentials.validate()
/// ```
///
/// The client secret never appears in ``description``, `debugDescription`, errors or logs.
public struct OAuth2ClientCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Default values, in one place, for docs, decoding and tests.
    public enum Defaults {
        /// The default ``authMethod``.
        public static let authMethod = AuthMethod.basic
        /// The default ``defaultLifetime``.
        public static let defaultLifetime = Duration.seconds(3600)
        /// The default ``renewBefore``.
        public static let renewBefore = TokenRenewalPolicy.Defaults.renewBefore
    }

    /// How the client authenticates to the token endpoint.
    public enum AuthMethod: String, Sendable, Hashable, CaseIterable {
        /// HTTP Basic (RFC 6749 §2.3.1): the id and the secret, each form-urlencoded, as user and password.
        case basic
        /// `client_id` and `client_secret` in the form body.
        case post
    }

    /// The token endpoint, `https://…` (plain `http://` only to a loopback address).
    public var tokenURL: String
    /// The client identifier.
    public var clientID: String
    /// The client secret. Never shown.
    public var clientSecret: String
    /// How the client authenticates.
    public var authMethod: AuthMethod
    /// The `scope` parameter, sent when set.
    public var scope: String?
    /// The `audience` parameter (an extension some providers require), sent when set.
    public var audience: String?
    /// The lifetime assumed when a token response has no `expires_in`.
    public var defaultLifetime: Duration
    /// How long before expiry tokens are renewed.
    public var renewBefore: RenewBefore
    /// A PEM file of certificate authorities to trust for the token endpoint instead of the system store.
    public var caPath: String?

    /// Creates the settings; see the table above for defaults.
    public init(
        tokenURL: String,
        clientID: String,
        clientSecret: String,
        authMethod: AuthMethod = Defaults.authMethod,
        scope: String? = nil,
        audience: String? = nil,
        defaultLifetime: Duration = Defaults.defaultLifetime,
        renewBefore: RenewBefore = Defaults.renewBefore,
        caPath: String? = nil
    ) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authMethod = authMethod
        self.scope = scope
        self.audience = audience
        self.defaultLifetime = defaultLifetime
        self.renewBefore = renewBefore
        self.caPath = caPath
    }

    /// Every problem with these settings, with key paths below `prefix`. Checks that ``caPath`` is readable.
    public func validationIssues(prefix: String = "oauth2_client_credentials") -> [ConfigurationIssue] {
        var check = ConfigurationValidator(prefix: prefix)
        if let problem = Self.tokenURLProblem(tokenURL) { check.require(false, "token_url", problem) }
        check.require(!clientID.isEmpty, "client_id", "must not be empty")
        check.require(!clientSecret.isEmpty, "client_secret", "must not be empty")
        if let scope { check.require(!scope.isEmpty, "scope", "must not be empty when set") }
        if let audience { check.require(!audience.isEmpty, "audience", "must not be empty when set") }
        check.require(defaultLifetime > .zero, "default_lifetime", "must be positive, got \(defaultLifetime)")
        renewBefore.validate(into: &check, key: "renew_before")
        if let caPath {
            check.require(FileManager.default.isReadableFile(atPath: caPath), "ca", "cannot read '\(caPath)'")
        }
        return check.issues
    }

    /// Throws a ``ConfigurationError`` naming every problem, if there is any.
    public func validate(prefix: String = "oauth2_client_credentials") throws(ConfigurationError) {
        try ConfigurationValidator.check(validationIssues(prefix: prefix))
    }

    private static func tokenURLProblem(_ url: String) -> String? {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else { return "must be an absolute http(s) URL, got '\(url)'" }
        switch scheme {
        case "https":
            return nil
        case "http":
            let loopback = host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
            return loopback ? nil : "must use https (the client secret is sent to it); plain http is accepted only for a loopback address"
        default:
            return "must be an http(s) URL, got scheme '\(scheme)'"
        }
    }

    /// The settings without the secret: `OAuth2ClientCredentials(token_url: …, client_id: bulwark, client_secret: ***, …)`.
    public var description: String {
        var parts = ["token_url: \(tokenURL)", "client_id: \(clientID)", "client_secret: ***", "auth_method: \(authMethod.rawValue)"]
        if let scope { parts.append("scope: \(scope)") }
        if let audience { parts.append("audience: \(audience)") }
        parts.append("default_lifetime: \(defaultLifetime.humanReadable)")
        parts.append("renew_before: \(renewBefore)")
        if let caPath { parts.append("ca: \(caPath)") }
        return "OAuth2ClientCredentials(\(parts.joined(separator: ", ")))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// The fields without the secret, for `dump` and debuggers.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "tokenURL": tokenURL, "clientID": clientID, "clientSecret": "***", "authMethod": authMethod,
            "scope": scope as Any, "audience": audience as Any, "defaultLifetime": defaultLifetime,
            "renewBefore": renewBefore, "caPath": caPath as Any,
        ])
    }
}
