import BulwarkCredentials
import Foundation

extension Observation {
    /// The OAuth2 token an upstream's requests carry, as the monitor saw it: the facts the
    /// `upstream_credentials_failing` rule and the `credentials` health check read. It holds no token
    /// and no secret; the last error is the library's ``RefreshFailure`` message, which never has one.
    public struct CredentialObservation: Sendable, Hashable {
        /// The upstream's name.
        public var upstream: String
        /// Whether a token valid now is held.
        public var hasValidToken: Bool
        /// When the current token expires, if one is held (it may have expired).
        public var tokenExpiresAt: Date?
        /// When refreshes started failing; nil while the last refresh succeeded (or none has ended yet).
        public var failingSince: Date?
        /// Failed refreshes in a row.
        public var consecutiveFailures: Int
        /// Why the last refresh failed; nil when it succeeded.
        public var lastError: String?
        /// The token endpoint's HTTP status in the last failed refresh, when it answered.
        public var lastHTTPStatus: Int?
        /// Whether the token provider was shut down.
        public var isShutDown: Bool

        /// Creates an observation from fixed values (tests, or a status read elsewhere).
        public init(
            upstream: String, hasValidToken: Bool, tokenExpiresAt: Date?, failingSince: Date? = nil,
            consecutiveFailures: Int = 0, lastError: String? = nil, lastHTTPStatus: Int? = nil, isShutDown: Bool = false
        ) {
            self.upstream = upstream
            self.hasValidToken = hasValidToken
            self.tokenExpiresAt = tokenExpiresAt
            self.failingSince = failingSince
            self.consecutiveFailures = consecutiveFailures
            self.lastError = lastError
            self.lastHTTPStatus = lastHTTPStatus
            self.isShutDown = isShutDown
        }

        /// Reads `status`, the provider of upstream `upstream`.
        public init(upstream: String, status: CredentialStatus) {
            let failure = status.isFailing ? status.lastRefresh?.failure : nil
            self.init(
                upstream: upstream, hasValidToken: status.hasValidToken, tokenExpiresAt: status.tokenExpiresAt,
                failingSince: status.failingSince, consecutiveFailures: status.consecutiveFailures,
                lastError: failure?.message, lastHTTPStatus: failure?.httpStatus, isShutDown: status.isShutDown
            )
        }

        /// How serious the trouble is, as ``CredentialStatus/severity`` says: nil while refreshes succeed,
        /// `error` while they fail and a valid token is left, `critical` once none is.
        public var severity: AlertSeverity? {
            guard failingSince != nil else { return nil }
            return hasValidToken ? .error : .critical
        }
    }
}
