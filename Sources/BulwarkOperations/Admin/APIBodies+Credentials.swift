import BulwarkConfig
import BulwarkCredentials
import Foundation

extension APIBody.Upstreams {
    /// The `credentials` object of an upstream in `/api/upstreams`. It says which kind of credential the
    /// gateway adds and, for OAuth2, the token's state; never a token, the client secret or a header value.
    ///
    /// ```json
    /// {"type": "header", "header": "X-Api-Key"}
    /// {"type": "oauth2_client_credentials", "has_valid_token": true, "token_expires_at": "…", …}
    /// ```
    enum Credentials: Encodable {
        /// `header: NAME`: only the header's name.
        case header(name: String)
        /// `oauth2_client_credentials`: the provider's status (nil before the gateway has built one).
        case oauth2(CredentialStatus?)

        /// The object for an upstream with `settings`, whose provider reports `status`; nil without credentials.
        init?(settings: UpstreamCredentialsSettings?, status: CredentialStatus?) {
            switch settings {
            case nil: return nil
            case .header(let name, _): self = .header(name: name)
            case .oauth2ClientCredentials: self = .oauth2(status)
            }
        }

        private enum Key: String, CodingKey {
            case type, header, refreshing
            case tokenExpiresAt = "token_expires_at", tokenExpiresInSeconds = "token_expires_in_seconds"
            case hasValidToken = "has_valid_token", nextRefreshAt = "next_refresh_at", lastRefresh = "last_refresh"
            case failingSince = "failing_since", consecutiveFailures = "consecutive_failures"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            switch self {
            case .header(let name):
                try container.encode("header", forKey: .type)
                try container.encode(name, forKey: .header)
            case .oauth2(let status):
                try container.encode("oauth2_client_credentials", forKey: .type)
                try container.encode(status?.tokenExpiresAt, forKey: .tokenExpiresAt)
                // Whole seconds, rounded down; negative once the token has expired.
                try container.encode(status?.tokenExpiresIn.map { Int($0.seconds.rounded(.down)) }, forKey: .tokenExpiresInSeconds)
                try container.encode(status?.hasValidToken ?? false, forKey: .hasValidToken)
                try container.encode(status?.refreshing ?? false, forKey: .refreshing)
                try container.encode(status?.nextRefreshAt, forKey: .nextRefreshAt)
                try container.encode(status?.lastRefresh.map(LastRefresh.init), forKey: .lastRefresh)
                try container.encode(status?.failingSince, forKey: .failingSince)
                try container.encode(status?.consecutiveFailures ?? 0, forKey: .consecutiveFailures)
            }
        }
    }

    /// `last_refresh`: when the last token refresh ended and how.
    struct LastRefresh: Encodable {
        var at: Date
        var result: String
        var error: String?
        var http_status: Int?

        init(_ refresh: CredentialStatus.Refresh) {
            at = refresh.at
            result = refresh.succeeded ? "succeeded" : "failed"
            error = refresh.failure?.message
            http_status = refresh.failure?.httpStatus
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(at, forKey: .at)
            try container.encode(result, forKey: .result)
            try container.encode(error, forKey: .error)
            try container.encode(http_status, forKey: .http_status)
        }
        enum CodingKeys: String, CodingKey { case at, result, error, http_status }
    }
}
