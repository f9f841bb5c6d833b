/// One entry of `upstreams:`: a named group of interchangeable targets and the per-target protection
/// applied to them (balancing, health checks, outlier detection, circuit breakers), as in an Envoy cluster.
public struct UpstreamSettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `upstreams.NAME.timeout`: the whole request, all attempts.
        public static let timeout = Duration.seconds(30)
        /// `upstreams.NAME.connect_timeout`
        public static let connectTimeout = Duration.seconds(2)
        /// `upstreams.NAME.balancer`
        public static let balancer = BalancerKind.roundRobin
        /// `upstreams.NAME.max_idle_connections` per target and event loop.
        public static let maxIdleConnections = 256
        /// `upstreams.NAME.resolve_interval`
        public static let resolveInterval = Duration.seconds(30)
    }

    /// The name routes refer to.
    public var name: String
    /// The instances of the app.
    public var targets: [TargetURL]
    /// How a target is chosen. Default round robin.
    public var balancer: BalancerKind = Defaults.balancer
    /// Deadline for the whole request including retries; 504 when it passes. Default 30 s.
    public var timeout: Duration = Defaults.timeout
    /// Deadline for opening a TCP connection to a target. Default 2 s.
    public var connectTimeout: Duration = Defaults.connectTimeout
    /// Kept-alive idle connections per target and event loop. Default 64.
    public var maxIdleConnections: Int = Defaults.maxIdleConnections
    /// Active health checking; nil when not configured.
    public var healthCheck: HealthCheckSettings?
    /// Retry policy.
    public var retry = RetrySettings()
    /// Passive health checking.
    public var outlierDetection = OutlierDetectionSettings()
    /// The circuit breaker each target gets.
    public var circuitBreaker = TargetBreakerSettings()
    /// TLS to the `https://` targets. Default: verified against the system trust store, SNI from the target.
    public var tls = UpstreamTLSSettings()
    /// The `Host` sent upstream; nil means per target: `target` for `https://`, `client` for `http://`.
    public var host: UpstreamHostHeader?
    /// How often target host names are resolved again. Default 30 s.
    public var resolveInterval: Duration = Defaults.resolveInterval
    /// A credential the gateway adds to every request to this upstream; nil (the default) adds none.
    public var credentials: UpstreamCredentialsSettings?
    /// Whether its targets come from the `processes:` group of the same name rather than from
    /// `targets`: `bulwark run` adds each instance once it is ready and removes it before stopping it.
    /// Such an upstream starts with no targets (requests get 503 until an instance joins), lists no
    /// `targets` of its own, and keeps its live members across a reload. Default false; set by the
    /// configuration reader for every `processes.NAME`.
    public var targetsFromProcesses = false

    /// Creates an upstream with default policies.
    public init(name: String, targets: [TargetURL]) {
        self.name = name
        self.targets = targets
    }

    /// An upstream with default policies whose targets are the instances of `processes.NAME`.
    public static func processBacked(name: String) -> UpstreamSettings {
        var upstream = UpstreamSettings(name: name, targets: [])
        upstream.targetsFromProcesses = true
        return upstream
    }

    /// The `Host` rule for `target`: the configured one, else `target` for https and `client` for http.
    public func hostHeader(for target: TargetURL) -> UpstreamHostHeader {
        host ?? (target.scheme == .https ? .target : .client)
    }
}

/// How an upstream picks a target.
public enum BalancerKind: String, Sendable, Hashable, CaseIterable {
    /// Each eligible target in turn.
    case roundRobin = "round_robin"
    /// Two random eligible targets, the one with fewer requests in flight (power of two choices).
    case leastRequest = "least_request"
}

/// `health_check:`: periodic probes of every target.
public struct HealthCheckSettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `interval`
        public static let interval = Duration.seconds(5)
        /// `timeout`
        public static let timeout = Duration.seconds(1)
        /// `healthy_threshold`
        public static let healthyThreshold = 2
        /// `unhealthy_threshold`
        public static let unhealthyThreshold = 3
    }
    /// The path probed with GET; a 2xx or 3xx answer is a pass.
    public var path: String
    /// Time between probes. Default 5 s.
    public var interval: Duration = Defaults.interval
    /// Deadline for one probe. Default 1 s.
    public var timeout: Duration = Defaults.timeout
    /// Consecutive passes that make an unhealthy target healthy. Default 2.
    public var healthyThreshold: Int = Defaults.healthyThreshold
    /// Consecutive failures that make a healthy target unhealthy. Default 3.
    public var unhealthyThreshold: Int = Defaults.unhealthyThreshold
    /// Creates settings probing `path`.
    public init(path: String) { self.path = path }
}

/// `retry:`: which failed attempts are tried again, and how.
public struct RetrySettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `attempts`, counting the first.
        public static let attempts = 2
        /// `methods`
        public static let methods: Set<String> = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]
        /// `on_status`
        public static let statuses: Set<Int> = [502, 503, 504]
        /// `backoff.base`
        public static let backoffBase = Duration.milliseconds(25)
        /// `backoff.max`
        public static let backoffMaximum = Duration.milliseconds(250)
        /// `budget.percent`
        public static let budgetPercent = 20.0
        /// `budget.min_per_second`
        public static let budgetMinimumPerSecond = 10
        /// `buffer_limit`
        public static let bufferLimit = 64 * 1024
    }
    /// Attempts per request including the first; 1 disables retries. Default 2.
    public var attempts: Int = Defaults.attempts
    /// Deadline for one attempt; nil means only the upstream's whole-request `timeout` applies.
    public var perTryTimeout: Duration?
    /// Methods that may be retried. Default GET, HEAD, OPTIONS, PUT, DELETE (never POST or PATCH unless listed).
    public var methods: Set<String> = Defaults.methods
    /// Response statuses that are retried. Default 502, 503, 504. Connect failures and per-try
    /// timeouts are always retryable.
    public var statuses: Set<Int> = Defaults.statuses
    /// First backoff delay (full jitter). Default 25 ms.
    public var backoffBase: Duration = Defaults.backoffBase
    /// Largest backoff delay. Default 250 ms.
    public var backoffMaximum: Duration = Defaults.backoffMaximum
    /// Retries allowed as a percentage of requests over 10 s. Default 20.
    public var budgetPercent: Double = Defaults.budgetPercent
    /// Retries always allowed per second. Default 10.
    public var budgetMinimumPerSecond: Int = Defaults.budgetMinimumPerSecond
    /// Largest request body kept for replay; longer bodies are streamed and not retried. Default 64 KiB.
    public var bufferLimit: Int = Defaults.bufferLimit
    /// Creates settings with every default.
    public init() {}
}

/// `outlier_detection:`: ejecting targets that fail live traffic.
public struct OutlierDetectionSettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `consecutive_failures`
        public static let consecutiveFailures = 5
        /// `base_ejection_time`
        public static let baseEjectionTime = Duration.seconds(30)
        /// `max_ejection_time`
        public static let maxEjectionTime = Duration.seconds(300)
        /// `max_ejection_percent`
        public static let maxEjectionPercent = 50
    }
    /// Whether targets are ejected at all. Default true.
    public var enabled = true
    /// Consecutive failures (connect errors, 5xx, timeouts) that eject a target. Default 5.
    public var consecutiveFailures: Int = Defaults.consecutiveFailures
    /// First ejection length; the n-th consecutive ejection lasts n × this. Default 30 s.
    public var baseEjectionTime: Duration = Defaults.baseEjectionTime
    /// Longest ejection. Default 300 s.
    public var maxEjectionTime: Duration = Defaults.maxEjectionTime
    /// Most targets ejected at once, as a percentage (at least one is always ejectable). Default 50.
    public var maxEjectionPercent: Int = Defaults.maxEjectionPercent
    /// Creates settings with every default.
    public init() {}
}

/// `circuit_breaker:`: the breaker each target gets (from the core library).
public struct TargetBreakerSettings: Sendable, Hashable {
    /// Defaults.
    public enum Defaults {
        /// `failure_rate` (%)
        public static let failureRate = 50.0
        /// `minimum_calls`
        public static let minimumCalls = 20
        /// `window`
        public static let window = Duration.seconds(10)
        /// `open_duration`
        public static let openDuration = Duration.seconds(10)
        /// `half_open_calls`
        public static let halfOpenCalls = 3
    }
    /// Whether targets have breakers. Default true.
    public var enabled = true
    /// Failure percentage over the window that opens the breaker. Default 50.
    public var failureRate: Double = Defaults.failureRate
    /// Calls needed in the window before the rate counts. Default 20.
    public var minimumCalls: Int = Defaults.minimumCalls
    /// Time-based window length. Default 10 s.
    public var window: Duration = Defaults.window
    /// How long an open breaker rejects before trial calls. Default 10 s.
    public var openDuration: Duration = Defaults.openDuration
    /// Trial calls in half-open. Default 3.
    public var halfOpenCalls: Int = Defaults.halfOpenCalls
    /// Creates settings with every default.
    public init() {}
}
