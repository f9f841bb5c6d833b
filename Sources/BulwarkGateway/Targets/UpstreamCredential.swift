import AsyncHTTPClient
import BulwarkConfig
import BulwarkCredentials
import Logging
import Resilience

/// What the gateway adds to every request it sends to an upstream with `credentials:` — a fixed header,
/// or an OAuth2 access token from a ``TokenProvider`` that renews itself.
enum UpstreamCredential: Sendable {
    /// `header: NAME, value: …`: set on every request, replacing the client's value.
    case header(name: String, value: String)
    /// `oauth2_client_credentials`: `Authorization: Bearer …`, replacing the client's value unless
    /// `passClientAuthorization` and the client sent one.
    case bearer(TokenProvider, passClientAuthorization: Bool)

    /// The credential of `settings`, or nil when it has none. Building fetches nothing.
    /// - Throws: ``ConfigurationError`` with key paths below `upstreams.NAME.credentials`.
    static func make(_ settings: UpstreamSettings, logger: Logger) throws(ConfigurationError) -> UpstreamCredential? {
        switch settings.credentials {
        case nil:
            return nil
        case .header(let name, let value):
            return .header(name: name, value: value.value)
        case .oauth2ClientCredentials(let oauth):
            let prefix = "upstreams.\(settings.name).credentials.oauth2_client_credentials"
            let credentials = OAuth2ClientCredentials(
                tokenURL: oauth.tokenURL, clientID: oauth.clientID, clientSecret: oauth.clientSecret.value,
                authMethod: oauth.authMethod == .post ? .post : .basic, scope: oauth.scope, audience: oauth.audience,
                defaultLifetime: oauth.defaultLifetime, renewBefore: Self.renewBefore(oauth.renewBefore), caPath: oauth.ca
            )
            try ConfigurationValidator.check(credentials.validationIssues(prefix: prefix))
            let provider: TokenProvider
            do {
                provider = try TokenProvider(name: settings.name, credentials: credentials, httpClient: tokenEndpointClient, logger: logger)
            } catch {
                // The library names keys from `oauth2_client_credentials`; put them under the upstream.
                throw ConfigurationError(issues: error.issues.map { issue in
                    let key = issue.keyPath.hasPrefix("upstreams.") ? issue.keyPath
                        : "upstreams.\(settings.name).credentials." + issue.keyPath
                    return ConfigurationIssue(keyPath: key, problem: issue.problem)
                })
            }
            return .bearer(provider, passClientAuthorization: oauth.passClientAuthorization)
        }
    }

    /// The client every token endpoint is called with. It follows no redirect, so a client secret is never
    /// re-sent to another URL (or downgraded to plain HTTP by a `307`), and a refused connection fails at
    /// once (the core's retry decides about trying again); it lives as long as the process.
    static let tokenEndpointClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    private static func renewBefore(_ lead: RenewalLead) -> RenewBefore {
        switch lead {
        case .duration(let duration): .duration(duration)
        case .fraction(let fraction): .fraction(fraction)
        }
    }

    /// The token provider, for an OAuth2 credential.
    var tokenProvider: TokenProvider? {
        if case .bearer(let provider, _) = self { return provider }
        return nil
    }

    /// Whether a request whose client sent `Authorization` (or not) goes up with the gateway's token.
    func usesGatewayToken(clientSentAuthorization: Bool) -> Bool {
        guard case .bearer(_, let pass) = self else { return false }
        return !(pass && clientSentAuthorization)
    }
}
