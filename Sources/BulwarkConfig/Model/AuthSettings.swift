/// `auth:`: how the gateway verifies bearer tokens (`auth.jwt`) and where it keeps revoked ones
/// (`auth.revocation`). Routes opt in with ``RouteSettings/auth``.
public struct AuthSettings: Sendable, Hashable {
    /// `auth.jwt`: the issuers whose tokens are accepted.
    public var jwt = JWTSettings()
    /// `auth.revocation`: the revocation list.
    public var revocation = RevocationSettings()

    /// Settings with every default and no issuer.
    public init() {}
}

/// `auth.jwt`.
public struct JWTSettings: Sendable, Hashable {
    /// `auth.jwt.issuers`: every issuer whose tokens are accepted; a token's `iss` picks one.
    public var issuers: [JWTIssuerSettings] = []
    /// `auth.jwt.leeway`: clock skew allowed on `exp`, `nbf` and `iat`. Defaults to ``Defaults/leeway`` (30 s).
    public var leeway: Duration = Defaults.leeway
    /// `auth.jwt.forward_claims`: request headers set from a verified token's claims, in file order. Each
    /// header is removed from every client request on every route first.
    public var forwardClaims: [ForwardedClaim] = []

    /// The defaults of `auth.jwt`.
    public enum Defaults {
        /// `leeway`: 30 seconds.
        public static let leeway: Duration = .seconds(30)
        /// `issuers[].algorithms`: RS256 and ES256.
        public static let algorithms = ["RS256", "ES256"]
        /// `issuers[].algorithms` of an issuer with a `secret`: HS256.
        public static let secretAlgorithms = ["HS256"]
        /// The longest `leeway` accepted: 10 minutes.
        public static let maximumLeeway: Duration = .seconds(600)
        /// `issuers[].jwks_refresh`: how often a `jwks_url` is fetched again: 5 minutes.
        public static let jwksRefresh: Duration = .seconds(300)
        /// The shortest `issuers[].jwks_refresh` accepted: 1 second.
        public static let minimumJWKSRefresh: Duration = .seconds(1)
        /// The shortest wait between two fetches of a `jwks_url` caused by an unknown `kid`: 10 seconds.
        public static let unknownKeyCooldown: Duration = .seconds(10)
    }

    /// Settings with no issuer.
    public init() {}
}

/// One entry of `auth.jwt.issuers`.
public struct JWTIssuerSettings: Sendable, Hashable {
    /// `issuer`: the exact `iss` of its tokens.
    public var issuer: String
    /// `audiences`: a token's `aud` must name one of them; empty accepts any `aud` (and none).
    public var audiences: [String] = []
    /// Where the issuer's public keys come from.
    public var keys: JWTKeySource
    /// `algorithms`: the `alg` values accepted. `none` is never accepted; `HS256`/`HS384`/`HS512` only
    /// with ``keys`` `.secret`. Defaults to ``JWTSettings/Defaults/algorithms``.
    public var algorithms: [String] = JWTSettings.Defaults.algorithms

    /// An issuer.
    public init(issuer: String, audiences: [String] = [], keys: JWTKeySource, algorithms: [String] = JWTSettings.Defaults.algorithms) {
        self.issuer = issuer
        self.audiences = audiences
        self.keys = keys
        self.algorithms = algorithms
    }
}

/// Where an issuer's verification keys come from.
public enum JWTKeySource: Sendable, Hashable {
    /// `jwks_file`: a JSON Web Key Set read at start, on every reload, and whenever the file changes.
    case file(path: String)
    /// `jwks_url`: a JSON Web Key Set fetched at start, every `refresh` (`jwks_refresh`), and when a
    /// token names a `kid` the set lacks (at most once per ``JWTSettings/Defaults/unknownKeyCooldown``).
    case url(String, refresh: Duration)
    /// `secret`: a shared HMAC secret (HS256/HS384/HS512). Never logged or shown.
    case secret(String)
}

/// Printing a key source never shows a secret: `.secret` prints as `secret(***)`, and a `jwks_url` loses
/// its password, query and fragment (see ``SecretRedaction/redactingURL(_:)``). The mirror has no
/// children, so `dump` shows the same.
extension JWTKeySource: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `file(PATH)`, `url(URL, refresh: 5m)` or `secret(***)`.
    public var description: String {
        switch self {
        case .file(let path): "file(\(path))"
        case .url(let url, let refresh): "url(\(SecretRedaction.redactingURL(url)), refresh: \(DurationSyntax.format(refresh)))"
        case .secret: "secret(\(SecretRedaction.mask))"
        }
    }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// A mirror without children, so reflection cannot reach a secret.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .enum) }
}

/// One entry of `auth.jwt.forward_claims`: header `header` gets the value of claim `claim`.
public struct ForwardedClaim: Sendable, Hashable {
    /// The request header set (and always removed from what the client sent).
    public var header: String
    /// The claim's name; a dotted name (`realm.roles`) reads into nested objects.
    public var claim: String

    /// A forwarded claim.
    public init(header: String, claim: String) {
        self.header = header
        self.claim = claim
    }
}

/// `auth.revocation`.
public struct RevocationSettings: Sendable, Hashable {
    /// `redis`: keep the list in Redis (`redis.url`) and share it with every gateway on it; false keeps
    /// it in this process only. Defaults to false.
    public var usesRedis = false
    /// `max_ttl`: how long an entry lives when the token's remaining life is unknown. Defaults to
    /// ``Defaults/maxTTL`` (24 hours).
    public var maxTTL: Duration = Defaults.maxTTL
    /// `on_store_failure`: what a token not known to be revoked gets while Redis cannot be reached.
    /// Defaults to ``StoreFailurePolicy/allow`` (with an alert).
    public var onStoreFailure: StoreFailurePolicy = .allow

    /// The defaults of `auth.revocation`.
    public enum Defaults {
        /// `max_ttl`: 24 hours.
        public static let maxTTL: Duration = .seconds(86_400)
        /// The shortest `max_ttl` accepted: 1 second.
        public static let minimumMaxTTL: Duration = .seconds(1)
    }

    /// What happens to tokens while the revocation store is unreachable.
    public enum StoreFailurePolicy: String, Sendable, Hashable, CaseIterable {
        /// Tokens not in the local copy pass (the default); an alert fires.
        case allow
        /// Every token is refused with 401 until the store is back.
        case deny
    }

    /// Settings with every default.
    public init() {}
}

/// `routes[].auth`: what a route asks of a request's bearer token.
public enum RouteAuthMode: String, Sendable, Hashable, CaseIterable {
    /// A valid token is needed; none, or an invalid one, gets 401.
    case required
    /// No token passes without claims; an invalid one still gets 401.
    case optional
    /// The token is not looked at (the default).
    case off
}

/// `routes[].revoke_on`: the request that logs its caller out. When the upstream answers it with a 2xx,
/// the caller's own token is revoked.
public struct RevokeOnSettings: Sendable, Hashable {
    /// `path`: the canonical path, matched exactly.
    public var path: String
    /// `method`: defaults to `POST`.
    public var method: String = "POST"

    /// A logout request.
    public init(path: String, method: String = "POST") {
        self.path = path
        self.method = method
    }
}
