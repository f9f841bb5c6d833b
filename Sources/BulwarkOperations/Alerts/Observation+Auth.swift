import BulwarkAuth
import BulwarkGateway
import Foundation

extension Observation {
    /// Bearer-token authentication as the monitor saw it (`auth:`): each issuer's key set and the
    /// revocation list. It holds no key material and no secret.
    public struct AuthObservation: Sendable, Hashable {
        /// One issuer's key set.
        public struct Issuer: Sendable, Hashable {
            /// The issuer (`iss`).
            public var issuer: String
            /// Whether the key set could not be refreshed for a while (or was never loaded).
            public var stale: Bool
            /// Why the last refresh failed, if it did.
            public var lastError: String?

            /// An issuer's state.
            public init(issuer: String, stale: Bool, lastError: String?) {
                self.issuer = issuer
                self.stale = stale
                self.lastError = lastError
            }
        }

        /// Every configured issuer.
        public var issuers: [Issuer]
        /// Whether the revocation list is shared through Redis (`auth.revocation.redis`).
        public var revocationShared: Bool
        /// Whether the list is in step with its store.
        public var revocationStoreReachable: Bool
        /// `auth.revocation.on_store_failure`: `allow` or `deny`.
        public var onStoreFailure: String

        /// An observation from fixed values.
        public init(issuers: [Issuer], revocationShared: Bool, revocationStoreReachable: Bool, onStoreFailure: String) {
            self.issuers = issuers
            self.revocationShared = revocationShared
            self.revocationStoreReachable = revocationStoreReachable
            self.onStoreFailure = onStoreFailure
        }

        /// Reads `gateway`'s authentication; nil when `auth:` is not configured.
        public init?(of gateway: Gateway) {
            guard let settings = gateway.configuration.auth, let authentication = gateway.authentication else { return nil }
            self.init(
                issuers: authentication.keys.status.map { Issuer(issuer: $0.issuer, stale: $0.stale, lastError: $0.lastError) },
                revocationShared: settings.revocation.usesRedis,
                revocationStoreReachable: authentication.revocation.storeReachable,
                onStoreFailure: authentication.revocation.onStoreFailure.rawValue
            )
        }
    }
}
