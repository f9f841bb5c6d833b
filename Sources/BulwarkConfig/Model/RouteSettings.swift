import Resilience

/// One entry of `routes:`. Routes are matched in order; the first whose prefix and method match wins.
public struct RouteSettings: Sendable, Hashable {
    /// Requests whose path starts with this are matched.
    public var pathPrefix: String
    /// Methods matched; nil matches every method.
    public var methods: Set<String>?
    /// The upstream that serves the route.
    public var upstream: String
    /// Rate-limit classes applied, all of which must admit the request.
    public var rateLimits: [String] = []
    /// Overrides the upstream's whole-request timeout for this route.
    public var timeout: Duration?
    /// Creates a route.
    public init(pathPrefix: String, methods: Set<String>? = nil, upstream: String, rateLimits: [String] = []) {
        self.pathPrefix = pathPrefix
        self.methods = methods
        self.upstream = upstream
        self.rateLimits = rateLimits
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

    /// `ip` or `header:NAME`.
    public var description: String {
        switch self {
        case .clientIP: "ip"
        case .header(let name): "header:\(name)"
        }
    }
}
