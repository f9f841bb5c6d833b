import Resilience

/// One entry of `routes:`. Routes are matched in order; the first whose prefix and method match wins.
public struct RouteSettings: Sendable, Hashable {
    /// The route's name (`routes[].name`), or nil to go by its path prefix. See ``label``.
    ///
    /// A name is 1–128 printable ASCII characters without spaces, quotes or backslashes (see
    /// ``nameProblem(_:)``), so it can stand as a Prometheus label value or a log field as it is.
    /// Loading checks that an explicit name is no other route's ``label`` and not ``unmatchedLabel``.
    public var name: String?
    /// Requests whose path starts with this are matched.
    public var pathPrefix: String
    /// Methods matched; nil matches every method.
    public var methods: Set<String>?
    /// The upstream that serves the route.
    public var upstream: String
    /// Rate-limit classes applied, all of which must admit the request.
    public var rateLimits: [String] = []
    /// Overrides the upstream's whole-request timeout for this route. On a streaming response (see
    /// ``streaming``) it ends when the response head arrives; otherwise it runs to the last byte.
    public var timeout: Duration?
    /// Whether every response of this route streams (`routes[].streaming`): once its head has arrived,
    /// ``timeout`` no longer applies and ``streamIdleTimeout`` does. `text/event-stream` responses stream
    /// whatever this says. Defaults to ``Defaults/streaming`` (false).
    public var streaming: Bool = Defaults.streaming
    /// How long a streaming response may go without body bytes from the upstream before it is cut
    /// (`routes[].stream_idle_timeout`, at least 1 ms). Defaults to ``Defaults/streamIdleTimeout`` (5 minutes).
    public var streamIdleTimeout: Duration = Defaults.streamIdleTimeout
    /// The protocols a client may upgrade to through this route (`routes[].upgrades`, lower-cased names
    /// as in the `Upgrade` field, e.g. `websocket`). `h2c` is never upgraded to. Defaults to
    /// ``Defaults/upgrades`` (`[websocket]`); an empty list refuses every upgrade.
    public var upgrades: [String] = Defaults.upgrades
    /// The limits of this route's upgraded connections (`routes[].websocket`).
    public var websocket = UpgradedConnectionSettings()
    /// Which responses of this route are cached, and for how long (`routes[].cache`); nil (the
    /// default) caches nothing. Only `GET` and `HEAD` are cached; upgrades and streams pass through.
    public var cache: RouteCacheSettings?
    /// What the route asks of a bearer token (`routes[].auth`): `required`, `optional` or `off`. Defaults
    /// to ``RouteAuthMode/off``. Anything but `off` needs an `auth.jwt` issuer.
    public var auth: RouteAuthMode = .off
    /// Claims a verified token must carry for this route to match (`routes[].claims`, or
    /// `routes[].match.claims`): a claim matches a value when it equals it (numbers and booleans as
    /// written) or, for an array claim, contains it. Empty (the default) matches any request.
    public var claims: [String: String] = [:]
    /// The logout request of this route (`routes[].revoke_on`): a 2xx answer to it revokes the caller's token.
    public var revokeOn: RevokeOnSettings?

    /// The defaults of a route's keys, in one place for decoding, docs and tests.
    public enum Defaults {
        /// `routes[].streaming`: false; only `text/event-stream` responses stream.
        public static let streaming = false
        /// `routes[].stream_idle_timeout`: 5 minutes.
        public static let streamIdleTimeout: Duration = .seconds(300)
        /// The shortest `routes[].stream_idle_timeout` accepted: 1 ms.
        public static let minimumStreamIdleTimeout: Duration = .milliseconds(1)
        /// `routes[].upgrades`: `[websocket]`.
        public static let upgrades = ["websocket"]
    }

    /// Creates a route.
    public init(pathPrefix: String, methods: Set<String>? = nil, upstream: String, rateLimits: [String] = [], name: String? = nil) {
        self.pathPrefix = pathPrefix
        self.methods = methods
        self.upstream = upstream
        self.rateLimits = rateLimits
        self.name = name
    }

    /// What the route is called in metrics (`route` label), the access log, the admin API and the
    /// dashboard: its ``name``, or else its ``pathPrefix``. Unnamed routes that share a prefix share
    /// this label, and so their series.
    public var label: String { name ?? pathPrefix }

    /// The label of requests that matched no route (`GatewayTelemetry.unmatchedRoute`); no route may be
    /// named this.
    public static let unmatchedLabel = "none"

    /// The longest name allowed.
    public static let maximumNameLength = 128

    /// Why `name` cannot name a route, or nil when it can: it must be 1–``maximumNameLength`` printable
    /// ASCII characters (`!` to `~`) other than `"`, `'`, `` ` `` and `\`. Uniqueness is not checked here.
    public static func nameProblem(_ name: String) -> String? {
        let rule = "a name is 1–\(maximumNameLength) printable ASCII characters without spaces, quotes or backslashes"
        if name.isEmpty { return "must not be empty (leave the key out to use the path prefix); \(rule)" }
        for scalar in name.unicodeScalars {
            let what: String? = switch scalar {
            case " ": "a space"
            case "\"", "'", "`": "a quote (\(scalar))"
            case "\\": "a backslash"
            case "!"..."~": nil
            default: "\(scalar.isASCII ? "a control" : "a non-ASCII") character (\(codePoint(scalar)))"
            }
            if let what { return "holds \(what); \(rule)" }
        }
        if name.utf8.count > maximumNameLength { return "is \(name.utf8.count) characters long; \(rule)" }
        return nil
    }

    private static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

/// `routes[].websocket`: the limits of an upgraded connection (a WebSocket, or any protocol in
/// `routes[].upgrades`) once its `101 Switching Protocols` has been relayed.
public struct UpgradedConnectionSettings: Sendable, Hashable {
    /// How long an upgraded connection may go without a byte in either direction before it is closed
    /// (`idle_timeout`, at least 1 ms). Defaults to ``Defaults/idleTimeout`` (1 hour).
    public var idleTimeout: Duration = Defaults.idleTimeout
    /// The longest an upgraded connection may stay open, busy or not (`max_lifetime`); nil (the default)
    /// sets no limit.
    public var maxLifetime: Duration?

    /// The defaults of `routes[].websocket`.
    public enum Defaults {
        /// `idle_timeout`: 1 hour.
        public static let idleTimeout: Duration = .seconds(3600)
        /// The shortest `idle_timeout` or `max_lifetime` accepted: 1 ms.
        public static let minimum: Duration = .milliseconds(1)
    }

    /// Settings with the defaults.
    public init(idleTimeout: Duration = Defaults.idleTimeout, maxLifetime: Duration? = nil) {
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
    }
}

/// One entry of `rate_limits:`: a named limit class routes refer to. The core's presets (`global`,
/// `auth`, `write`, `upload`, `report`) are available by name without being declared.
public struct RateLimitClass: Sendable, Hashable {
    /// The policy: requests per window, burst, algorithm.
    public var policy: RateLimitPolicy
    /// What a client is identified by.
    public var key: RateLimitKey = .clientIP
    /// Creates a class.
    public init(policy: RateLimitPolicy, key: RateLimitKey = .clientIP) {
        self.policy = policy
        self.key = key
    }
}

/// What identifies a client for rate limiting.
public enum RateLimitKey: Sendable, Hashable, CustomStringConvertible {
    /// The client IP (from `X-Forwarded-For` only behind a trusted proxy).
    case clientIP
    /// A request header such as an API key; requests without it fall back to the client IP.
    case header(String)
    /// A claim of the request's verified token (`claim:NAME`); requests without it fall back to the client IP.
    case claim(String)

    /// `ip`, `header:NAME` or `claim:NAME`.
    public var description: String {
        switch self {
        case .clientIP: "ip"
        case .header(let name): "header:\(name)"
        case .claim(let name): "claim:\(name)"
        }
    }
}
